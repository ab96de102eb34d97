package socket

import (
	"errors"
	"fmt"
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

// ErrBadFD is returned (wrapped) by Select and the Wait functions when an fd is not open, and by
// every method of a zero socket (one not made by Dial, Listen, ListenPacket, Accept or
// Socketpair).
var ErrBadFD = errors.New("bad file descriptor")

// ErrClosed is what an operation on a closed socket fails with (wrapped in a *net.OpError): it
// matches net.ErrClosed and scheduler.ErrClosed with errors.Is.
var ErrClosed error = closedError{}

type closedError struct{}

// Error returns package net's text for net.ErrClosed.
func (closedError) Error() string { return "use of closed network connection" }

// Is makes the closed error match package net's and the scheduler's closed family.
func (closedError) Is(target error) bool {
	return target == net.ErrClosed || target == scheduler.ErrClosed
}

// errZero is what every method of a zero socket fails with: it never had an fd, so it matches
// ErrBadFD and the closed family.
var errZero error = zeroError{}

type zeroError struct{}

func (zeroError) Error() string {
	return "zero socket (not made by Dial, Listen, ListenPacket, Accept or Socketpair)"
}

func (zeroError) Is(target error) bool {
	return target == ErrBadFD || target == net.ErrClosed || target == scheduler.ErrClosed
}

// errNilSocket is the error of a call on a nil *Conn, *Listener or *PacketConn.
func errNilSocket(op string) error { return opError(op, "", nil, nil, errNilArg("socket")) }

// errNilArg is the cause of a nil argument (a context, an address).
func errNilArg(what string) error {
	return fmt.Errorf("nil %s: %w", what, scheduler.ErrNilArgument)
}

// wrapErrno turns a raw errno from syscall into an *os.SyscallError naming the call, leaving
// other errors alone.
func wrapErrno(call string, err error) error {
	if _, ok := err.(syscall.Errno); ok {
		return os.NewSyscallError(call, err)
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
