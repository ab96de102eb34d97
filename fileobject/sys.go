package fileobject

import (
	"syscall"
	"unsafe"
)

// The data path's read(2) and write(2) go through syscall.RawSyscall: in poll mode the fd is
// non-blocking, so the call returns at once (EAGAIN instead of sleeping) and needs none of the
// runtime's entersyscall/exitsyscall, which exist to hand the P away from a call that blocks.
// Under the race detector (sys_race.go) the plain calls are kept: they carry the detector's
// happens-before edge from a write to the read that sees it.

// fcntl is fcntl(2) with an integer argument.
func fcntl(fd, cmd, arg int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// pollable asks the kernel whether epoll can watch fd, with a throwaway epoll instance: epoll
// refuses regular files, directories and devices without a poll method (/dev/null) with EPERM,
// and for those libev's epoll backend reports "ready" for ever, so a read would block the hub.
// A test makes it fail.
var pollable = epollTakes

// epollTakes is pollable.
func epollTakes(fd int) (bool, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return false, err
	}
	defer syscall.Close(ep)
	switch err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{}); err {
	case nil:
		return true, nil
	case syscall.EPERM:
		return false, nil
	default:
		return false, err
	}
}

// bufPtr is the address of b's first byte, nil for an empty b.
func bufPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
