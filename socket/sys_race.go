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

// sysRead is recvDontwait with syscall.Read's race annotations.
func sysRead(fd int, b []byte) (int, error) {
	n, err := recvDontwait(fd, b)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&b[0]), n)
	}
	if raceSync[0] >= 0 {
		_, _ = syscall.Read(raceSync[0], nil)
	} else {
		runtime.RaceAcquire(unsafe.Pointer(&raceOwn))
	}
	return n, nil
}

// sysWrite is sendDontwait with syscall.Write's race annotations.
func sysWrite(fd int, b []byte) (int, error) {
	if raceSync[1] >= 0 {
		_, _ = syscall.Write(raceSync[1], nil)
	} else {
		runtime.RaceReleaseMerge(unsafe.Pointer(&raceOwn))
	}
	n, err := sendDontwait(fd, b)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&b[0]), n)
	}
	return n, nil
}
