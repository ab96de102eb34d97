package fileobject

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"

	"github.com/geventgo/geventgo/scheduler"
)

// Error adds the operation that failed, and the file's name, to a cause.
type Error struct {
	Op   string // e.g. "File.Read"
	Path string // the file's name ("" when there is no file yet)
	Err  error  // the cause: ErrClosed, ErrTimeout, a syscall.Errno, a scheduler sentinel ...
}

// Error returns "fileobject: Op Path: cause" (without Path when it is empty).
func (e *Error) Error() string {
	if e == nil {
		return "fileobject: <nil>"
	}
	if e.Path == "" {
		return "fileobject: " + e.Op + ": " + fmt.Sprint(e.Err)
	}
	return "fileobject: " + e.Op + " " + e.Path + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout, so os.IsTimeout and net.Error users see one.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

// ErrClosed is the cause of an operation on a closed File, including one that was blocked when
// Close ran: it matches os.ErrClosed, net.ErrClosed and scheduler.ErrClosed with errors.Is.
var ErrClosed error = closedError{}

type closedError struct{}

// Error returns the text of os.ErrClosed.
func (closedError) Error() string { return "file already closed" }

// Is makes the closed error match the standard library's and the scheduler's closed errors.
func (closedError) Is(target error) bool {
	return target == os.ErrClosed || target == net.ErrClosed || target == scheduler.ErrClosed
}

// ErrTimeout is the cause of a read or write whose deadline passed: it matches
// os.ErrDeadlineExceeded and scheduler.ErrTimeout with errors.Is and reports Timeout() true.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

// Error returns the text of os.ErrDeadlineExceeded.
func (timeoutError) Error() string { return "i/o timeout" }

// Timeout reports true.
func (timeoutError) Timeout() bool { return true }

// Is makes the deadline error match the standard library's and the scheduler's.
func (timeoutError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded || target == scheduler.ErrTimeout
}

// ErrBadFD is the cause given for a descriptor that is not open (NewFD), and for every method of
// a zero File (one not made by New, NewFD, NewThread or Pipe); the latter also matches the
// closed family.
var ErrBadFD = errors.New("bad file descriptor")

// errZero is what every method of a zero or nil File fails with.
var errZero error = zeroError{}

type zeroError struct{}

func (zeroError) Error() string {
	return "zero File (not made by New, NewFD, NewThread or Pipe)"
}

func (zeroError) Is(target error) bool {
	return target == ErrBadFD || target == ErrClosed || target == os.ErrClosed || target == net.ErrClosed ||
		target == scheduler.ErrClosed
}

// errNilArg is the cause given for a nil argument.
func errNilArg(what string) error {
	return fmt.Errorf("nil %s: %w", what, scheduler.ErrNilArgument)
}

// sysErr names call in a raw errno and strips the *fs.PathError os wraps its errors in (the
// File's Error names the path already); io.EOF and other errors pass through.
func sysErr(call string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errno, ok := err.(syscall.Errno); ok {
		return os.NewSyscallError(call, errno)
	}
	return err
}
