package ghttp_test

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/geventgo/geventgo/scheduler"
)

// BenchmarkServerKeepAliveRaw measures the server alone: the client greenlet (same hub) writes
// the same request bytes and reads the response into a fixed buffer up to its known length, so
// it allocates nothing and allocs/op is the server's own (wrk's "hello" request and handler).
// cpu-ns/op is the process's CPU time per request, both sides. The "pipelined" case sends
// pipelineDepth requests per write and reads their responses together: the server's code then
// weighs more than the system calls, whose cost varies most on a shared machine.
func BenchmarkServerKeepAliveRaw(b *testing.B) {
	for _, size := range []int{13, 16384} {
		b.Run(strconv.Itoa(size), func(b *testing.B) { benchServerRaw(b, size, 1) })
	}
	b.Run("13-pipelined", func(b *testing.B) { benchServerRaw(b, 13, pipelineDepth) })
}

// pipelineDepth is how many requests the pipelined case sends at once.
const pipelineDepth = 32

// processCPU returns the process's CPU time so far (every thread, the GC's too), from its
// CPU-time clock: precise, and, unlike wall time, not stretched by what else the machine runs.
func processCPU() time.Duration {
	const clockProcessCPUTimeID = 2 // CLOCK_PROCESS_CPUTIME_ID
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// errRawResponse is benchServerRaw's error for a response it cannot frame.
var errRawResponse = errors.New("raw client: response without a Content-Length")

func benchServerRaw(b *testing.B, size, depth int) {
	err := scheduler.Main(func() error {
		srv, c, err := startBenchServer(size)
		if err != nil {
			return err
		}
		defer c.Close()
		req := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
		n, err := rawResponseLen(c, req)
		if err != nil {
			return err
		}
		reqs, buf := bytes.Repeat(req, depth), make([]byte, n*depth)
		b.ReportAllocs()
		start := processCPU()
		b.ResetTimer()
		for i := 0; i < b.N; i += depth {
			k := min(depth, b.N-i)
			if _, err := c.Write(reqs[:k*len(req)]); err != nil {
				return err
			}
			if _, err := io.ReadFull(c, buf[:k*n]); err != nil {
				return err
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
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
