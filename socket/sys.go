package socket

import (
	"syscall"
	"unsafe"
)

// The read and write system calls of the data path are recvfrom(2) and
// sendto(2) with MSG_DONTWAIT and no address (recv and send): the flag makes
// each call non-blocking by itself, whatever the descriptor's O_NONBLOCK
// says. That flag belongs to the open file description, which every copy of
// the descriptor shares (File, a child's ExtraFiles, fd passing): a process
// that clears it on its copy must not make a read here block the hub's
// thread. send without MSG_NOSIGNAL raises SIGPIPE on a broken stream as
// write(2) does, so the signal behaviour is package net's.
//
// They go through syscall.RawSyscall6, not syscall.Syscall6: the calls return
// at once (EAGAIN instead of sleeping) and need none of what Syscall's
// entersyscall/exitsyscall pair buys, which is handing the P to another
// thread if the call blocks. That pair costs time per call and, worse, let
// sysmon retake the hub's P whenever the hub thread was preempted inside a
// write to a loopback socket (the write runs the peer's whole TCP receive
// path), after which the hub had to find a P again on the way out
// (docs/performance.md, "Raw system calls on the data path").
//
// The race build's sysRead and sysWrite (sys_race.go) add the detector's
// happens-before edge from a write to the read that sees it; sys_norace.go's
// are these calls alone.

// recvDontwait is recv(2) with MSG_DONTWAIT: read(2) that never blocks.
func recvDontwait(fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(p), uintptr(len(b)),
		syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// sendDontwait is send(2) with MSG_DONTWAIT: write(2) that never blocks.
func sendDontwait(fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(p), uintptr(len(b)),
		syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
