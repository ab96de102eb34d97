package greenlet

import (
	"errors"
	"fmt"
)

// ErrGreenletExit is python-greenlet's GreenletExit: Throw raises it by
// default, and a greenlet that dies of it hands it to its parent as a value,
// not as an error. Wrap it (fmt.Errorf("%w: ...", ErrGreenletExit)) to carry a
// message; errors.Is still recognises it.
var ErrGreenletExit = errors.New("greenlet: GreenletExit")

// ErrWrongGoroutine is returned when a greenlet is used from a goroutine
// other than the one currently running a greenlet of its owner.
var ErrWrongGoroutine = errors.New("greenlet: called from a goroutine that does not own the greenlet")

// ErrCycle is returned by SetParent when the new parent chain would loop.
var ErrCycle = errors.New("greenlet: cyclic parent chain")

// ErrForeignParent is returned when a parent belongs to another owner
// goroutine than the greenlet.
var ErrForeignParent = errors.New("greenlet: parent belongs to another owner goroutine")

// ErrMainParent is returned when setting the parent of a main greenlet,
// which never has one.
var ErrMainParent = errors.New("greenlet: cannot set the parent of a main greenlet")

// ErrNilParent is returned when a nil parent is given.
var ErrNilParent = errors.New("greenlet: parent must be a greenlet, not nil")

// ErrNotMain is returned by KillAll and Close when the receiver is not a main
// greenlet or is not the greenlet currently running.
var ErrNotMain = errors.New("greenlet: needs the running main greenlet")

// ErrClosed is returned by a Switch or Throw within an owner whose main
// greenlet was closed.
var ErrClosed = errors.New("greenlet: owner closed")

// ErrGoexit is what a parent receives (through a *PanicError) when a
// greenlet's body called runtime.Goexit, for example through t.FailNow.
var ErrGoexit = errors.New("greenlet: runtime.Goexit called in greenlet")

// ErrStopped is returned by Switch and Throw called from a greenlet that is
// being destroyed by KillAll or Close: its coroutine can no longer switch.
var ErrStopped = fmt.Errorf("%w: greenlet stopped, cannot switch", ErrGreenletExit)

// ErrTraceHook is matched by the *TraceError of a trace hook that panicked.
var ErrTraceHook = errors.New("greenlet: trace hook panicked")

// TraceError is raised in the target of a switch or throw whose trace hook
// panicked (see TraceFunc); the hook has been uninstalled. errors.Is matches
// ErrTraceHook, and the panic value when it is an error.
type TraceError struct {
	Greenlet uint64 // ID of the target, where the hook ran
	Event    string // EventSwitch or EventThrow
	Value    any    // the panic value
	Stack    []byte // the hook's stack at the panic
}

func (e *TraceError) Error() string {
	if e == nil {
		return "greenlet: <nil>"
	}
	return fmt.Sprintf("greenlet %d: trace hook panicked on %s: %v", e.Greenlet, e.Event, e.Value)
}

// Unwrap returns ErrTraceHook and the panic value when it is an error.
func (e *TraceError) Unwrap() []error {
	if e == nil {
		return nil
	}
	if err, ok := e.Value.(error); ok {
		return []error{ErrTraceHook, err}
	}
	return []error{ErrTraceHook}
}

// Error reports a refused operation: which one, on which greenlet, and why.
type Error struct {
	Op       string // "switch", "throw", "set parent", "new", "kill"
	Greenlet uint64 // ID of the greenlet operated on
	Err      error  // one of the sentinels above
}

func (e *Error) Error() string {
	if e == nil {
		return "greenlet: <nil>"
	}
	return fmt.Sprintf("greenlet %d: %s: %v", e.Greenlet, e.Op, e.Err)
}

// Unwrap returns the sentinel, for errors.Is.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// PanicError is raised in a parent when its child greenlet panicked or
// called runtime.Goexit. Stack is the child's stack at the panic (or Goexit).
// A panic that escaped the child's deferred calls while it unwound from
// runtime.Goexit is reported as that panic (Goexit false); its Stack shows
// the Goexit under it.
type PanicError struct {
	Greenlet uint64 // ID of the greenlet that died
	Value    any    // the panic value; nil for Goexit
	Goexit   bool   // the body called runtime.Goexit
	Stack    []byte
}

func (e *PanicError) Error() string {
	if e == nil {
		return "greenlet: <nil>"
	}
	if e.Goexit {
		return fmt.Sprintf("greenlet %d: runtime.Goexit called in greenlet body", e.Greenlet)
	}
	return fmt.Sprintf("greenlet %d: panic: %v", e.Greenlet, e.Value)
}

// Unwrap returns the panic value when it is an error, or ErrGoexit.
func (e *PanicError) Unwrap() error {
	if e == nil {
		return nil
	}
	if e.Goexit {
		return ErrGoexit
	}
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// ErrUncreated is returned by the methods of a nil or zero Greenlet, one
// not made by New, NewWithParent or Current.
var ErrUncreated = errors.New("greenlet: not created by New, NewWithParent or Current")

func errUncreated(op string) error { return &Error{Op: op, Err: ErrUncreated} }
