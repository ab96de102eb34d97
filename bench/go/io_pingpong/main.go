// Command io_pingpong is the plain-Go counterpart of io ping-pong: one byte
// bounced over a socketpair by two goroutines on Go's netpoller.
package main

import (
	"net"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func conn(fd int) net.Conn {
	f := os.NewFile(uintptr(fd), "socketpair")
	c, err := net.FileConn(f)
	if err != nil {
		benchio.Fail(err)
	}
	f.Close()
	return c
}

func main() {
	n := benchio.N(30000)
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		benchio.Fail(err)
	}
	a, b := conn(fds[0]), conn(fds[1])
	go func() {
		buf := make([]byte, 1)
		for {
			if _, err := b.Read(buf); err != nil {
				return
			}
			if _, err := b.Write(buf); err != nil {
				return
			}
		}
	}()
	buf := []byte{'x'}
	t0 := time.Now()
	for range n {
		if _, err := a.Write(buf); err != nil {
			benchio.Fail(err)
		}
		if _, err := a.Read(buf); err != nil {
			benchio.Fail(err)
		}
	}
	benchio.Emit("io_pingpong", "ns/op", benchio.PerOp(time.Since(t0), n))
	a.Close()
	b.Close()
}
