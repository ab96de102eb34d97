//go:build !race

package socket

import (
	"syscall"
	"unsafe"
)

// The read and write system calls of the data path go through
// syscall.RawSyscall, not syscall.Syscall: every fd here is non-blocking, so
// read(2) and write(2) return at once (EAGAIN instead of sleeping) and need
// none of what Syscall's entersyscall/exitsyscall pair buys, which is handing
// the P to another thread if the call blocks. That pair costs time per call
// and, worse, let sysmon retake the hub's P whenever the hub thread was
// preempted inside a write to a loopback socket (the write runs the peer's
// whole TCP receive path), after which the hub had to find a P again on the
// way out (docs/performance.md, "Raw system calls on the data path").
//
// Under the race detector (sys_race.go) the plain calls are kept: they carry
// the detector's happens-before edge from a write to the read that sees it.

// sysRead is read(2) on a non-blocking fd.
func sysRead(fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(p), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// sysWrite is write(2) on a non-blocking fd.
func sysWrite(fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(p), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
