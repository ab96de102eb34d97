package socket

import (
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/geventgo/geventgo/scheduler"
)

// ErrTimeout is the error a socket operation fails with when its deadline passes (wrapped in a
// *net.OpError). It matches os.ErrDeadlineExceeded and scheduler.ErrTimeout with errors.Is and
// reports Timeout() true, as net.Error requires.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

// Error returns "i/o timeout", the text of package net's deadline error.
func (timeoutError) Error() string { return "i/o timeout" }

// Timeout reports true, so net.Error users see a timeout.
func (timeoutError) Timeout() bool { return true }

// Temporary reports true, as the deadline error of package net does.
func (timeoutError) Temporary() bool { return true }

// Is makes the deadline error match the standard library's and the scheduler's.
func (timeoutError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded || target == scheduler.ErrTimeout
}

// errAffinity is what a socket method called off its hub wraps.
var errAffinity = &scheduler.Error{Op: "socket", Err: scheduler.ErrNotGreenlet}

// wrapErrno turns a raw errno from syscall into an *os.SyscallError naming the call, leaving
// other errors alone.
func wrapErrno(call string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if _, ok := err.(syscall.Errno); ok {
			return os.NewSyscallError(call, err)
		}
	}
	return err
}

// opError builds the *net.OpError every method returns.
func opError(op, network string, source, addr net.Addr, err error) error {
	if err == nil {
		return nil
	}
	return &net.OpError{Op: op, Net: network, Source: source, Addr: addr, Err: err}
}
