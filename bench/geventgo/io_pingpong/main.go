// Command io_pingpong measures one byte bounced over a socketpair by two
// cev.IO watchers; per round trip.
//
// The fds are non-blocking, so read and write go through syscall.RawSyscall
// as package socket's data path does (socket/sys.go says why): the C twin
// makes the same bare system calls, and Syscall's entersyscall/exitsyscall
// bookkeeping is Go runtime cost, not the binding's.
package main

import (
	"syscall"
	"time"
	"unsafe"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/cev"
)

func must(err error) {
	if err != nil {
		benchio.Fail(err)
	}
}

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(30000)
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	must(err)
	must(syscall.SetNonblock(fds[0], true))
	must(syscall.SetNonblock(fds[1], true))
	loop, err := cev.NewLoop()
	must(err)
	defer loop.Destroy()
	buf := make([]byte, 1)
	count := 0
	echo, err := loop.NewIO(fds[1], cev.EV_READ, func(*cev.IO, int) {
		if _, err := rawRead(fds[1], buf); err != nil {
			benchio.Fail(err)
		}
		if _, err := rawWrite(fds[1], buf); err != nil {
			benchio.Fail(err)
		}
	})
	must(err)
	must(echo.Start())
	ping, err := loop.NewIO(fds[0], cev.EV_READ, func(*cev.IO, int) {
		if _, err := rawRead(fds[0], buf); err != nil {
			benchio.Fail(err)
		}
		count++
		if count >= n {
			must(loop.Break(cev.EVBREAK_ALL))
			return
		}
		if _, err := rawWrite(fds[0], buf); err != nil {
			benchio.Fail(err)
		}
	})
	must(err)
	must(ping.Start())
	t0 := time.Now()
	_, err = syscall.Write(fds[0], []byte{'x'})
	must(err)
	_, err = loop.Run(0)
	must(err)
	benchio.Emit("io_pingpong", "ns/op", benchio.PerOp(time.Since(t0), n))
}

// rawRead is read(2) on a non-blocking fd without the runtime's syscall
// bookkeeping.
func rawRead(fd int, b []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// rawWrite is write(2) on a non-blocking fd (see rawRead).
func rawWrite(fd int, b []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
