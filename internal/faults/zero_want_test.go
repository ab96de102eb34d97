package faults

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/geventgo/geventgo/scheduler"
)

// This file holds the vocabulary of the zero-value walk's table: what one
// call must do (want) and how each exported method or func is called
// (zcase). zero_test.go runs the walk; zero_types_test.go and
// zero_funcs_test.go hold the table.

// match is one acceptable error, named for the failure message.
type match struct {
	name string
	ok   func(error) bool
}

// is matches errors.Is(err, target).
func is(target error) match {
	return match{name: fmt.Sprintf("errors.Is %q", target), ok: func(err error) bool { return errors.Is(err, target) }}
}

// as matches an error chain holding an E (for errors without a sentinel:
// a *net.OpError, a *net.DNSError).
func as[E error]() match {
	var e E
	return match{name: fmt.Sprintf("errors.As %T", e), ok: func(err error) bool { return errors.As(err, new(E)) }}
}

// says matches an error whose text contains text (an error with neither
// a sentinel nor a type of its own, as os/exec's "no command").
func says(text string) match {
	return match{name: fmt.Sprintf("text containing %q", text), ok: func(err error) bool { return strings.Contains(err.Error(), text) }}
}

var (
	nilArg      = is(scheduler.ErrNilArgument)
	notGreenlet = is(scheduler.ErrNotGreenlet)
	canceled    = is(context.Canceled)
)

// want is what one call must do: return an error matching one of errs (no
// error when errs is empty), and, when vals or zeros say so, these results.
type want struct {
	errs  []match
	vals  []any // when non-nil: the call's results other than its error, in order
	zeros bool  // the call's results other than its error are their types' zero values
}

// usable: no error (and no panic); results unchecked.
var usable = want{}

// zeroResult: no error, and every other result is its type's zero value
// (a getter of an object that holds nothing).
var zeroResult = want{zeros: true}

// fails wants an error matching one of ms.
func fails(ms ...match) want { return want{errs: ms} }

// gives wants no error and exactly these other results.
func gives(vals ...any) want { return want{vals: vals} }

func (w want) String() string {
	if len(w.errs) == 0 {
		return "no error"
	}
	names := make([]string, len(w.errs))
	for i, m := range w.errs {
		names[i] = m.name
	}
	return "an error matching " + strings.Join(names, " or ")
}

// ctxKind is the context given to a ctx parameter when it is not nil.
type ctxKind int

const (
	// deadlineCtx ends long after any call that does not block: a call that
	// blocks on its zero value gives up on it (and fails its case).
	deadlineCtx ctxKind = iota
	// canceledCtx is already done: for the calls that legitimately block on
	// a zero value (a Get on an empty queue), so they end at once.
	canceledCtx
)

// zcase is how one exported method or func is called and what each call
// must do. The zero value of a type, or the func, is called in a hub and
// from a plain goroutine; a nil pointer receiver in both places too; a
// receiver made by the type's constructor (live) in a hub only.
type zcase struct {
	hub, goes       want // zero receiver (or the func): in a hub, from a plain goroutine
	nilHub, nilGoes want // nil pointer receiver
	live            want // the type's live receiver, in a hub
	// nilCtxHub and nilCtxGoes, when set, replace the rule for a nil ctx:
	// ErrNilArgument in a hub; ErrNilArgument or ErrNotGreenlet (both refuse:
	// which check comes first is the package's choice) from a goroutine.
	nilCtxHub, nilCtxGoes *want
	ctx                   ctxKind
	// args replaces the zero value of the parameters that are not a
	// context, in order (an fd of -1 rather than stdin's 0).
	args []any
	// follow, when set, is the call's error: a call that returns an object
	// already failed (a dead greenlet, a ready Result) reports through it.
	follow func(out []reflect.Value) error
	// cleanup releases what a successful call made (a loop, a hub, fds).
	cleanup func(out []reflect.Value)
	// after releases what the call armed on its receiver (a started Timeout).
	after func(recv reflect.Value)
	// noLive, when set, says why the method is not called on a live
	// receiver; noZeroHub, why the zero receiver is not called in a hub.
	noLive, noZeroHub string
}

// everywhere: the same want for the zero and the nil receiver, in a hub and
// from a plain goroutine (a method that needs no hub: an error's Error, a
// cev watcher's).
func everywhere(w want) zcase {
	return zcase{hub: w, goes: w, nilHub: w, nilGoes: w, live: w}
}

// affine is a hub-affine method: w in a hub, ErrNotGreenlet from a plain
// goroutine, ErrNilArgument for a nil receiver.
func affine(w want) zcase {
	return zcase{hub: w, goes: fails(notGreenlet), nilHub: fails(nilArg), nilGoes: fails(nilArg), live: w}
}

// getter is a query: w for the zero receiver anywhere, the zero results for
// a nil one.
func getter(w want) zcase {
	return zcase{hub: w, goes: w, nilHub: zeroResult, nilGoes: zeroResult, live: usable}
}

// noop is a method without results: it must not panic, on the zero or a nil
// receiver (a nil one has nothing to act on).
func noop() zcase { return everywhere(usable) }

// inGoroutine replaces the want of the zero receiver from a plain goroutine.
func (c zcase) inGoroutine(w want) zcase { c.goes = w; return c }

// onNil replaces the wants of the nil receiver.
func (c zcase) onNil(w want) zcase { c.nilHub, c.nilGoes = w, w; return c }

// onLive replaces the want of the live receiver.
func (c zcase) onLive(w want) zcase { c.live = w; return c }

// nilCtx replaces the rule for a nil context.
func (c zcase) nilCtx(hub, goes want) zcase { c.nilCtxHub, c.nilCtxGoes = &hub, &goes; return c }

// cancelled gives the call an already cancelled context.
func (c zcase) cancelled() zcase { c.ctx = canceledCtx; return c }

// with replaces the non-context arguments.
func (c zcase) with(args ...any) zcase { c.args = args; return c }

// following makes f the call's error.
func (c zcase) following(f func(out []reflect.Value) error) zcase { c.follow = f; return c }

// releasing sets the cleanup of what the call made.
func (c zcase) releasing(f func(out []reflect.Value)) zcase { c.cleanup = f; return c }

// undoing sets what to undo on the receiver after the call.
func (c zcase) undoing(f func(recv reflect.Value)) zcase { c.after = f; return c }

// noLiveCall leaves the live receiver out, saying why.
func (c zcase) noLiveCall(why string) zcase { c.noLive = why; return c }

// noZeroHubCall leaves the zero receiver in a hub out, saying why.
func (c zcase) noZeroHubCall(why string) zcase { c.noZeroHub = why; return c }

// ztype is one type of the table.
type ztype struct {
	typ reflect.Type // instantiated with int when generic
	// why says, for a type without methods to walk (an interface, a func
	// type, a plain struct of fields), how the walk covers it.
	why     string
	methods map[string]zcase
	// live makes a receiver with the type's constructor, in the walk's hub,
	// and what releases it; nil when the zero value already walks a working
	// object.
	live func() (recv any, release func(), err error)
	// made, for an unexported type whose values the API hands out (an error
	// value, the net.Conn of a socket that cannot be shared), makes one
	// through the API; the walk calls its methods in place of a zero value's.
	made func() any
}

// errOf is the follow of calls returning an object that reports its own
// failure through Err (a greenlet started dead, a Result already ready).
func errOf(out []reflect.Value) error {
	if out[0].IsNil() {
		return errors.New("returned a nil object")
	}
	err, _ := out[0].MethodByName("Err").Call(nil)[0].Interface().(error)
	return err
}
