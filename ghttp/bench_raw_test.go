package ghttp_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"syscall"
	"testing"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// BenchmarkServerKeepAliveRaw measures the server alone: the client greenlet (same hub) writes
// the same request bytes and reads the response into a fixed buffer up to its known length, so
// it allocates nothing and allocs/op is the server's own (wrk's "hello" request and handler).
// user-ns/op and sys-ns/op are the process's CPU time per request (getrusage), both sides.
func BenchmarkServerKeepAliveRaw(b *testing.B) {
	for _, size := range []int{13, 16384} {
		b.Run(strconv.Itoa(size), func(b *testing.B) { benchServerRaw(b, size) })
	}
}

// cpuTimes is the process's CPU time so far, every thread (the GC's too), in nanoseconds.
type cpuTimes struct{ user, sys int64 }

// processCPU reads the process's CPU time: the user part is what the server's code costs
// (and the client's, which is the same every run), less disturbed than wall time by what
// else the machine runs; the system part is the system calls'.
func processCPU() cpuTimes {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuTimes{}
	}
	return cpuTimes{user: ru.Utime.Nano(), sys: ru.Stime.Nano()}
}

// errRawResponse is benchServerRaw's error for a response it cannot frame.
var errRawResponse = errors.New("raw client: response without a Content-Length")

func benchServerRaw(b *testing.B, size int) {
	body := bytes.Repeat([]byte("x"), size)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	err := scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &ghttp.Server{Handler: h}
		serveIn(srv, ln)
		c, err := socket.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		req := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
		n, err := rawResponseLen(c, req)
		if err != nil {
			return err
		}
		buf := make([]byte, n)
		b.ReportAllocs()
		start := processCPU()
		b.ResetTimer()
		for range b.N {
			if _, err := c.Write(req); err != nil {
				return err
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				return err
			}
		}
		b.StopTimer()
		end := processCPU()
		b.ReportMetric(float64(end.user-start.user)/float64(b.N), "user-ns/op")
		b.ReportMetric(float64(end.sys-start.sys)/float64(b.N), "sys-ns/op")
		return srv.Close()
	})
	if err != nil {
		b.Fatal(err)
	}
}

// rawResponseLen makes one request and returns its response's length in bytes: every response
// of the benchmark has it (the Date header's length is fixed).
func rawResponseLen(c io.ReadWriter, req []byte) (int, error) {
	if _, err := c.Write(req); err != nil {
		return 0, err
	}
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return 0, err
		}
		head, _, ok := bytes.Cut(got, []byte("\r\n\r\n"))
		if !ok {
			continue
		}
		_, cl, ok := bytes.Cut(head, []byte("Content-Length: "))
		if !ok {
			return 0, errRawResponse
		}
		cl, _, _ = bytes.Cut(cl, []byte("\r\n"))
		length, err := strconv.Atoi(string(cl))
		if err != nil {
			return 0, err
		}
		total := len(head) + 4 + length
		if len(got) >= total {
			return total, nil
		}
	}
}
