//go:build race

package socket

import (
	"runtime"
	"syscall"
	"unsafe"
)

// raceSync is a pipe through which the race build reaches package syscall's own
// happens-before edge between a write and the read that sees it (syscall.Write
// releases it, syscall.Read acquires it): an empty read or write on a pipe
// returns at once. So a socket's read is ordered after a write made here or
// through package net or os, as syscall.Read's would be (see sys.go). -1 if
// the pipe could not be made: the edge is then the package's own (raceOwn).
var raceSync = [2]int{-1, -1}

// raceOwn is the edge when there is no raceSync pipe.
var raceOwn byte

func init() {
	var p [2]int
	if syscall.Pipe2(p[:], syscall.O_CLOEXEC) == nil {
		raceSync = p
	}
}

// sysRead is recv(2) with MSG_DONTWAIT through syscall.Syscall6, with syscall.Read's race
// annotations.
func sysRead(fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(p), uintptr(len(b)),
		syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	if n > 0 {
		runtime.RaceWriteRange(p, int(n))
	}
	if raceSync[0] >= 0 {
		_, _ = syscall.Read(raceSync[0], nil)
	} else {
		runtime.RaceAcquire(unsafe.Pointer(&raceOwn))
	}
	return int(n), nil
}

// sysWrite is send(2) with MSG_DONTWAIT through syscall.Syscall6, with syscall.Write's race
// annotations.
func sysWrite(fd int, b []byte) (int, error) {
	if raceSync[1] >= 0 {
		_, _ = syscall.Write(raceSync[1], nil)
	} else {
		runtime.RaceReleaseMerge(unsafe.Pointer(&raceOwn))
	}
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := syscall.Syscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(p), uintptr(len(b)),
		syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	if n > 0 {
		runtime.RaceReadRange(p, int(n))
	}
	return int(n), nil
}
