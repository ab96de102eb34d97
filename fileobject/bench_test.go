package fileobject_test

import (
	"io"
	"runtime"
	"syscall"
	"testing"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/scheduler"
)

// BenchmarkPipePingPong is one 64-byte round trip between two greenlets of one hub over two
// pipes: two writes, two reads, two io waits (socket's BenchmarkSocketpairPingPong over pipes).
func BenchmarkPipePingPong(b *testing.B) {
	err := scheduler.Main(func() error {
		ar, bw, err := fileobject.Pipe() // b -> a
		if err != nil {
			return err
		}
		br, aw, err := fileobject.Pipe() // a -> b
		if err != nil {
			return err
		}
		for _, f := range []*fileobject.File{ar, bw, br, aw} {
			defer f.Close()
		}
		scheduler.Go(func() error {
			buf := make([]byte, 64)
			for {
				if _, err := io.ReadFull(br, buf); err != nil {
					return nil
				}
				if _, err := bw.Write(buf); err != nil {
					return nil
				}
			}
		})
		msg := make([]byte, 64)
		b.ReportAllocs()
		b.ResetTimer()
		calls := runtime.NumCgoCall()
		for range b.N {
			if _, err := aw.Write(msg); err != nil {
				return err
			}
			if _, err := io.ReadFull(ar, msg); err != nil {
				return err
			}
		}
		b.ReportMetric(float64(runtime.NumCgoCall()-calls)/float64(b.N), "cgocalls/op")
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReadEAGAIN is read(2) on an empty non-blocking pipe: what gevent's read-first costs
// when nothing has arrived yet, once per hop of a ping-pong whose reader wants a full buffer.
func BenchmarkReadEAGAIN(b *testing.B) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		b.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	buf := make([]byte, 64)
	b.ResetTimer()
	for range b.N {
		if _, err := syscall.Read(p[0], buf); err != syscall.EAGAIN {
			b.Fatalf("read of an empty pipe: %v, want EAGAIN", err)
		}
	}
}
