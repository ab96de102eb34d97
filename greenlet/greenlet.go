// Package greenlet provides python-greenlet's raw greenlets on iter.Pull
// coroutines: explicit Switch and Throw, parents, trace hooks and a main
// greenlet per goroutine. It has no hub and no C; package scheduler builds
// gevent's Greenlet on it.
//
// # Model
//
// Every goroutine that uses the package gets a main greenlet, created
// implicitly by its first call to Current or New; the goroutine and the
// greenlets it creates form an owner. A Greenlet runs its Func the first time
// something switches into it. Switch transfers control and a value; the
// Switch that suspended the target returns that value. When a Func returns,
// its result goes to the greenlet's parent (by default the greenlet current
// when it was created), whose pending Switch returns it; an error or panic
// escaping a Func is returned as the error of the parent's Switch. A
// runtime.Goexit in a Func ends the greenlet only, never the goroutine that
// switched into it, whatever its deferred calls do meanwhile (panic,
// recover, switch, get thrown into or stopped): the parent gets a
// *PanicError, of the Goexit, or of the last panic that escaped the deferred
// calls. Throw raises an error at the target's switch point. A greenlet that
// dies of ErrGreenletExit hands that error to its parent as a value, not an
// error, as python-greenlet hands back the GreenletExit instance; a parent
// that has not started yet starts with nil, as python-greenlet starts it
// with no arguments.
//
// # Values
//
// Switch takes one value where Python's switch takes an args tuple: switch
// with nil for no argument, with the value itself for one, and with an Args
// slice for several, which the receiver gets back as that Args. Passing the
// value through does not allocate. A Func's result reaches the parent
// unchanged.
//
// # Goroutines
//
// Only the goroutine currently running a greenlet of an owner may act within
// that owner: Switch, Throw, SetParent, NewWithParent, KillAll and Close
// called from any other goroutine return an error matching ErrWrongGoroutine
// and change nothing. The check is one goroutine-id read and a plain read of
// the owner's state, so a concurrent misuse is reported by the race detector
// as well as by the error. Current, New, SetTrace and Trace act on the
// calling goroutine's own owner. ID, String, IsMain, Main and OwnerGoroutine
// never change and may be called from any goroutine; the other accessors
// (Parent, Started, Dead, Active, OwnedByCaller, Stack) read state that the
// owner's goroutine writes, so call them from it.
//
// # Killing and closing
//
// Suspended coroutines are never garbage collected, and dropping the last
// reference to a greenlet does not kill it: CPython throws GreenletExit into
// an unreachable greenlet when it collects it, Go has no such hook that could
// switch. The greenlet stays on its owner's list, holding its goroutine, until
// KillAll on the running main greenlet throws ErrGreenletExit into every
// started greenlet of the owner, newest first: a greenlet suspended in Switch
// gets it as that Switch's error, its defers run and it may still switch. One
// that survives the throw is stopped: it unwinds with a panic whose value is
// an error matching ErrGreenletExit, and a Switch or Throw it makes meanwhile
// returns ErrStopped. Close does the same, then releases the owner: every
// later Switch or Throw within it returns ErrClosed, and the goroutine's next
// Current creates a new main greenlet. A goroutine that is done with
// greenlets must Close its main greenlet before it exits, or the owner and
// its greenlets leak. Unstarted greenlets hold no goroutine and are left as
// they are.
//
// The zero Greenlet is not usable: create greenlets with New or
// NewWithParent.
//
// # Engine
//
// Each greenlet's coroutine is created by iter.Pull on its first switch (an
// unstarted greenlet holds no goroutine). A coroutine can only be resumed by
// calling its next function and only returns control to that caller, so the
// greenlets of an owner form a chain: the owner goroutine at the root, each
// link a greenlet blocked in the next() of the one below, the running
// greenlet at the bottom. Switching to a suspended greenlet resumes it from
// the running one (one coroutine switch); switching to a greenlet up the chain
// yields, and every link passes the transfer on until it reaches its target
// (the owner's main greenlet is the trampoline of last resort). A main<->child
// or hub<->child round trip is therefore two coroutine switches, the same as a
// bare iter.Pull next/yield round trip.
package greenlet

import (
	"errors"
	"iter"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/petermattis/goid"
)

// Func is the body of a greenlet. It receives the value of the first switch
// into the greenlet and its result goes to the parent.
type Func func(v any) (any, error)

// Args is how several values passed to one Switch arrive at the receiver.
type Args []any

// TraceFunc observes every switch and throw of an owner, like
// greenlet.settrace: event is EventSwitch or EventThrow, origin the greenlet
// that switched (or died), target the greenlet now running. It runs in the
// target, after the switch: Current is target. A throw into an unstarted
// greenlet starts it to die of the error, so the hook sees EventThrow in
// it, then the switch of its death to its parent.
//
// A hook that panics is uninstalled, as python-greenlet removes a tracer
// that raised, and the panic is raised in target instead of what the switch
// carried: the target's pending Switch or Throw returns a *TraceError, and a
// greenlet that was starting dies of it without running its Func.
//
// A hook that calls runtime.Goexit is uninstalled too, but a Goexit cannot
// be cancelled and the hook runs on target's goroutine: it goes on unwinding
// target as if target's own code had called it. A greenlet (starting or
// resumed) dies of it, its parent getting a *PanicError matching ErrGoexit,
// and its pending Switch or Throw never returns; when target is a main
// greenlet, its goroutine exits, so Close the main greenlet in a deferred
// call or the owner's greenlets leak.
type TraceFunc func(event string, origin, target *Greenlet)

// Trace events.
const (
	EventSwitch = "switch"
	EventThrow  = "throw"
)

type state uint8

const (
	stUnstarted state = iota
	stRunning         // the owner's current greenlet
	stResuming        // blocked in the next() of a greenlet below it in the chain
	stSuspended       // blocked in its yield, free to be resumed by anyone
	stDead
)

// Greenlet is a coroutine with python-greenlet semantics. Create it with New
// or NewWithParent; the zero value is not usable.
type Greenlet struct {
	// Value is a free slot for the user, for example the scheduler object
	// that wraps this greenlet. The package never reads it.
	Value any

	run    Func
	parent *Greenlet
	o      *owner
	id     uint64
	goid   int64 // goroutine running this greenlet; set when it starts
	state  state
	isMain bool
	// stopping: KillAll is tearing the coroutine down, or Close killed this
	// main greenlet; it may not switch.
	stopping bool
	// parked: the body died of a panic, a Goexit or a stop and is parked
	// in recoverBody, mid-unwind.
	parked bool

	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool

	prev, succ *Greenlet // the owner's list of started, live greenlets
}

// owner is the state shared by the greenlets of one owner goroutine. The
// transfer registers (target, origin, val, err, throw) carry one switch
// through the chain without allocating.
type owner struct {
	goid    int64
	main    *Greenlet
	current *Greenlet

	target *Greenlet
	origin *Greenlet
	val    any
	err    error
	throw  bool
	// exit: val is the GreenletExit the origin died of, which python-greenlet
	// hands over as a value but does not pass to a greenlet it starts.
	exit bool

	trace      TraceFunc
	head, tail *Greenlet
	closed     bool
}

var (
	// goroutines maps the id of every goroutine running a greenlet (owner
	// goroutines and started coroutines) to that greenlet, for Current.
	goroutines sync.Map
	lastID     atomic.Uint64
)

// Current returns the greenlet running in the calling goroutine, creating
// the goroutine's main greenlet on first use.
func Current() *Greenlet {
	id := goid.Get()
	if g, ok := goroutines.Load(id); ok {
		return g.(*Greenlet)
	}
	o := &owner{goid: id}
	m := &Greenlet{o: o, id: lastID.Add(1), goid: id, state: stRunning, isMain: true}
	o.main, o.current = m, m
	goroutines.Store(id, m)
	return m
}

// New creates an unstarted greenlet whose parent is the current greenlet.
// A nil run makes a greenlet that dies with ErrNoRun when started.
func New(run Func) *Greenlet {
	return newGreenlet(Current(), run)
}

// NewWithParent creates an unstarted greenlet with the given parent. The
// caller must be running a greenlet of the parent's owner.
func NewWithParent(parent *Greenlet, run Func) (*Greenlet, error) {
	if parent == nil {
		return nil, &Error{Op: "new", Err: ErrNilParent}
	}
	if !parent.created() {
		return nil, errUncreated("new")
	}
	if parent.o.current.goid != goid.Get() {
		return nil, &Error{Op: "new", Greenlet: parent.id, Err: ErrWrongGoroutine}
	}
	return newGreenlet(parent, run), nil
}

// ErrNoRun is what a greenlet created without a Func raises in its parent
// when it is started.
var ErrNoRun = errors.New("greenlet: no run function")

func newGreenlet(parent *Greenlet, run Func) *Greenlet {
	return &Greenlet{run: run, parent: parent, o: parent.o, id: lastID.Add(1)}
}

// ID is a process-wide unique number for the greenlet, for diagnostics.
func (g *Greenlet) ID() uint64 {
	if g == nil {
		return 0
	}
	return g.id
}

// String names the greenlet for diagnostics.
func (g *Greenlet) String() string {
	if !g.created() {
		return "greenlet (not created)"
	}
	if g.isMain {
		return "main greenlet " + strconv.FormatUint(g.id, 10)
	}
	return "greenlet " + strconv.FormatUint(g.id, 10)
}

// Parent returns the greenlet's parent; nil for a main greenlet.
func (g *Greenlet) Parent() *Greenlet {
	if g == nil {
		return nil
	}
	return g.parent
}

// Main returns the main greenlet of g's owner.
func (g *Greenlet) Main() *Greenlet {
	if !g.created() {
		return nil
	}
	return g.o.main
}

// IsMain reports whether g is the main greenlet of its owner.
func (g *Greenlet) IsMain() bool { return g.created() && g.isMain }

// Started reports whether g was ever switched or thrown into (a main
// greenlet always was).
func (g *Greenlet) Started() bool { return g.created() && g.state != stUnstarted }

// Dead reports whether g finished: its Func returned, panicked, or it was
// killed. An unstarted greenlet is not dead.
func (g *Greenlet) Dead() bool { return g.created() && g.state == stDead }

// Active reports whether g started and is not dead (python's bool(g)).
func (g *Greenlet) Active() bool {
	return g.created() && g.state != stUnstarted && g.state != stDead
}

// OwnedByCaller reports whether the calling goroutine may operate on g: it
// is running the current greenlet of g's owner.
func (g *Greenlet) OwnedByCaller() bool { return g.created() && g.o.current.goid == goid.Get() }

// OwnerGoroutine returns the id of the goroutine that owns g (the one whose
// main greenlet is g's root).
func (g *Greenlet) OwnerGoroutine() int64 {
	if !g.created() {
		return 0
	}
	return g.o.goid
}

// created reports whether g was made by New, NewWithParent or Current: the
// zero Greenlet and a nil one are not, and their methods return errors or
// zero results.
func (g *Greenlet) created() bool { return g != nil && g.o != nil }

// SetParent re-parents g. It refuses a nil parent, a main greenlet (which
// has no parent), a parent of another owner, and a parent chain that would
// come back to g.
func (g *Greenlet) SetParent(p *Greenlet) error {
	if !g.created() {
		return errUncreated("set parent")
	}
	if g.o.current.goid != goid.Get() {
		return g.refuse("set parent", ErrWrongGoroutine)
	}
	if p == nil {
		return g.refuse("set parent", ErrNilParent)
	}
	if g.isMain {
		return g.refuse("set parent", ErrMainParent)
	}
	if p.o != g.o {
		return g.refuse("set parent", ErrForeignParent)
	}
	for x := p; x != nil; x = x.parent {
		if x == g {
			return g.refuse("set parent", ErrCycle)
		}
	}
	g.parent = p
	return nil
}

// SetTrace installs fn as the trace hook of the calling goroutine's owner
// and returns the previous one; nil removes it.
func SetTrace(fn TraceFunc) TraceFunc {
	o := Current().o
	old := o.trace
	o.trace = fn
	return old
}

// Trace returns the trace hook of the calling goroutine's owner.
func Trace() TraceFunc { return Current().o.trace }

func (g *Greenlet) refuse(op string, err error) error {
	return &Error{Op: op, Greenlet: g.id, Err: err}
}

// Switch transfers control to g with the value v, python's g.switch(v):
// the first switch into g passes v to its Func, a later one makes the
// Switch that suspended g return v. It returns, in the caller, the value and
// error of whatever switches back: a later Switch into the caller, a Throw
// (as the error), or the result or error of a child that died. A dead g
// hands the switch to its nearest live ancestor.
func (g *Greenlet) Switch(v any) (any, error) {
	// Small enough to inline, so that a switch costs one frame (transfer)
	// above the coroutine switch: every frame is a return the CPU
	// mispredicts once the other coroutine has run.
	return transfer(g, v, nil)
}

// Throw raises err (ErrGreenletExit when nil) in g at its switch point and
// returns like Switch. Thrown into an unstarted greenlet, it starts g only
// for g to die of err at once, without running its Func; thrown into a dead
// one, it goes to g's nearest live ancestor. Either way g's parent (or that
// ancestor) gets err, or err as a value when err is a GreenletExit; an
// unstarted greenlet that receives such a value starts with nil, as
// python-greenlet starts it with no arguments. Thrown into the current
// greenlet, it returns err at once.
func (g *Greenlet) Throw(err error) (any, error) {
	if err == nil {
		err = ErrGreenletExit
	}
	return transfer(g, nil, err)
}

// transfer starts a switch (err == nil) or a throw to g from the running
// greenlet, checking that g was created and that the caller is that
// greenlet's goroutine.
func transfer(g *Greenlet, v any, err error) (any, error) {
	if g == nil || g.o == nil {
		return nil, errUncreated("switch")
	}
	o := g.o
	cur := o.current
	if cur.goid != goid.Get() || cur.stopping {
		return nil, o.refuseTransfer(g, err != nil)
	}
	o.target, o.origin, o.val, o.err, o.throw, o.exit = g, cur, v, err, err != nil, false
	// The loop of dispatch, repeated here to save a frame on the hot path.
	for {
		t := o.target
		if t == cur {
			break
		}
		if t.state == stSuspended {
			cur.state = stResuming
			t.state = stRunning
			o.current = t
			t.next()
			if t.state == stDead {
				o.reap(t)
			}
			cur.state = stRunning
			o.current = cur
			continue
		}
		if t.state == stResuming {
			cur.state = stSuspended
			if !cur.yield(struct{}{}) {
				panic(unwind{})
			}
			continue
		}
		return o.dispatch(cur)
	}
	// cur runs and is o.current: whoever resumed it (its resumer before
	// next, or cur itself after next returned) set both.
	v, err = o.val, o.err
	o.val, o.err = nil, nil
	if o.trace != nil {
		if terr := o.fire(cur); terr != nil {
			return nil, terr
		}
	}
	return v, err
}

func (o *owner) refuseTransfer(g *Greenlet, throw bool) error {
	op := "switch"
	if throw {
		op = "throw"
	}
	switch {
	case o.current.goid != goid.Get():
		return g.refuse(op, ErrWrongGoroutine)
	case o.closed:
		return g.refuse(op, ErrClosed)
	}
	return g.refuse(op, ErrStopped)
}

// unwind is the panic that unwinds a coroutine stopped by KillAll, so its
// defers run. It is an error matching ErrGreenletExit, so a deferred
// recover in user code can tell it from a real panic.
type unwind struct{}

func (unwind) Error() string { return "greenlet: coroutine stopped: " + ErrGreenletExit.Error() }

func (unwind) Unwrap() error { return ErrGreenletExit }

// goexitDone finishes a body parked in recoverBody, possibly in the middle
// of runtime.Goexit.
type goexitDone struct{}

// dispatch moves the transfer in the owner's registers along the chain
// until it reaches cur, then returns its value in cur. cur is the greenlet
// running this code.
func (o *owner) dispatch(cur *Greenlet) (any, error) {
	for {
		t := o.target
		if t == cur {
			break
		}
		switch t.state {
		case stSuspended:
			// o.resume by hand: one frame less on the hot path.
			cur.state = stResuming
			t.state = stRunning
			o.current = t
			t.next()
			if t.state == stDead {
				o.reap(t)
			}
			cur.state = stRunning
			o.current = cur
		case stResuming:
			// t is up the chain: hand the transfer to our resumer.
			cur.state = stSuspended
			if !cur.yield(struct{}{}) {
				panic(unwind{})
			}
		case stUnstarted:
			// A throw starts t too: python-greenlet runs the trace hook
			// in t before t dies of the error (see body).
			t.next, t.stop = iter.Pull(t.body)
			o.link(t)
			o.resume(cur, t)
		default: // stDead
			if !o.toAncestor(t) {
				// Only a closed owner has no live root, and transfer
				// refuses its main greenlet: kept as a guard.
				return nil, o.refuseClosed(t)
			}
		}
	}
	// cur runs and is o.current, as in transfer.
	v, err := o.val, o.err
	o.val, o.err = nil, nil
	if o.trace != nil {
		if terr := o.fire(cur); terr != nil {
			return nil, terr
		}
	}
	return v, err
}

// resume runs t from cur until something hands a transfer back to cur's
// link of the chain.
func (o *owner) resume(cur, t *Greenlet) {
	cur.state = stResuming
	t.state = stRunning
	o.current = t
	t.next()
	if t.state == stDead {
		o.reap(t)
	}
	cur.state = stRunning
	o.current = cur
}

// reap releases the coroutine of t, which just died.
func (o *owner) reap(t *Greenlet) {
	if t.parked {
		stopCoroutine(t)
	}
	t.next, t.stop, t.yield = nil, nil, nil
}

// toAncestor retargets a transfer aimed at dead t to t's nearest live
// ancestor. A GreenletExit thrown into a dead greenlet kills it again and
// so reaches the ancestor as a value.
func (o *owner) toAncestor(t *Greenlet) bool {
	if o.throw && errors.Is(o.err, ErrGreenletExit) {
		o.val, o.err, o.throw, o.exit = o.err, nil, false, true
	}
	for t != nil && t.state == stDead {
		t = t.parent
	}
	o.target = t
	return t != nil
}

// refuseClosed drops a transfer that found no live greenlet to run in a
// closed owner.
func (o *owner) refuseClosed(t *Greenlet) error {
	op := "switch"
	if o.throw {
		op = "throw"
	}
	o.val, o.err = nil, nil
	return t.refuse(op, ErrClosed)
}

// fire calls the trace hook in target, the greenlet now running. A hook
// that does not return normally is uninstalled, and its panic comes back as
// the *TraceError to raise in target instead of the transfer.
func (o *owner) fire(target *Greenlet) (err error) {
	ev := EventSwitch
	if o.throw {
		ev = EventThrow
	}
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		if _, ok := r.(unwind); ok {
			// KillAll stops a coroutine whose hook switched away: not
			// the hook's failure.
			panic(r)
		}
		o.trace = nil
		// r is nil for a runtime.Goexit, after which fire never returns, and
		// (GODEBUG=panicnil=1) for a panic(nil), which recover stopped.
		err = &TraceError{Greenlet: target.id, Event: ev, Value: r, Stack: debug.Stack()}
	}()
	o.trace(ev, o.origin, target)
	returned = true
	return nil
}

// body is the coroutine of a started greenlet.
func (g *Greenlet) body(yield func(struct{}) bool) {
	g.yield = yield
	g.goid = goid.Get()
	goroutines.Store(g.goid, g)
	o := g.o
	v, thrown := o.val, o.err
	if o.exit {
		v = nil
	}
	o.val, o.err = nil, nil
	var nilStack []byte // set by recoverBody when recover returned nil
	defer g.goexitBody(&nilStack)
	if g.runBody(v, thrown, &nilStack) {
		return
	}
	// recoverBody's recover returned nil and control came back: it stopped
	// a panic(nil) (GODEBUG=panicnil=1), which a Goexit never does.
	err := &PanicError{Greenlet: g.id, Stack: nilStack}
	nilStack = nil
	g.finish(nil, err)
}

// runBody runs the greenlet's function (or its death by a throw) and
// reports true once it finished g; false when a panic(nil) was recovered
// (recoverBody left its stack in *nilStack).
func (g *Greenlet) runBody(v any, thrown error, nilStack *[]byte) bool {
	o := g.o
	done := false
	defer g.recoverBody(&done, nilStack)
	if o.trace != nil {
		if terr := o.fire(g); terr != nil {
			thrown = terr
		}
	}
	var res any
	var err error
	switch {
	case thrown != nil:
		// Started by a throw, or by a switch whose trace hook panicked:
		// it dies of the error without running.
		err = thrown
	case g.run == nil:
		err = g.refuse("run", ErrNoRun)
	default:
		res, err = g.run(v)
	}
	done = true
	g.finish(res, err)
	return true
}

// recoverBody turns a panic, a Goexit or a KillAll unwind of the body into
// the greenlet's death.
//
// Whatever it recovers, a runtime.Goexit may still be pending under it: a
// deferred call that panicked while the body unwound from Goexit, or a
// KillAll that stopped such a call, raised the panic recovered here, and the
// runtime resumes the Goexit once recoverBody returns. No recover stops a
// Goexit, and if it completed iter.Pull would re-raise it in our resumer,
// ending the resumer's goroutine. So every death that did not return from
// the body is reported to the resumer from here (a Goexit's from
// goexitBody), the coroutine parked mid-unwind; the resumer then stops the
// coroutine (reap), and park's panic replaces a Goexit iter.Pull would
// propagate with a value stopCoroutine recovers.
//
// A recover that returns nil saw a runtime.Goexit, which it cannot stop, or
// (GODEBUG=panicnil=1) a panic(nil), which it stops: recoverBody leaves the
// stack in *nilStack and returns, and what follows tells them apart. After
// the stopped panic runBody returns to body, which reports it as a panic;
// the Goexit goes on to goexitBody instead.
func (g *Greenlet) recoverBody(done *bool, nilStack *[]byte) {
	if *done {
		return
	}
	var err error
	switch r := recover(); r.(type) {
	case nil:
		*nilStack = debug.Stack()
		return
	case unwind: // stopped by KillAll: finish reports nothing
	default:
		err = &PanicError{Greenlet: g.id, Value: r, Stack: debug.Stack()}
	}
	g.park(err)
}

// goexitBody parks the body that a runtime.Goexit ends, after recoverBody's
// nil recover (*nilStack set); on every other way out it does nothing.
func (g *Greenlet) goexitBody(nilStack *[]byte) {
	if *nilStack == nil {
		return
	}
	g.park(&PanicError{Greenlet: g.id, Goexit: true, Stack: *nilStack})
}

// park reports the death err (nil after KillAll's unwind) of a body that
// did not return to its resumer, and parks the coroutine until reap stops
// it.
func (g *Greenlet) park(err error) {
	g.parked = true
	g.finish(nil, err)
	// Stopped (KillAll), the coroutine is already done: yield returns at
	// once.
	g.yield(struct{}{})
	panic(goexitDone{})
}

// finish marks g dead and, unless KillAll is stopping it, addresses its
// result to its parent.
func (g *Greenlet) finish(res any, err error) {
	o := g.o
	g.state = stDead
	g.run = nil
	o.unlink(g)
	goroutines.Delete(g.goid)
	if g.stopping {
		return
	}
	exit := err != nil && errors.Is(err, ErrGreenletExit)
	if exit {
		res, err = err, nil
	}
	o.origin, o.target = g, g.parent
	o.val, o.err, o.throw, o.exit = res, err, err != nil, exit
}

// stopCoroutine ends g's coroutine, absorbing the goexitDone panic that
// iter.Pull re-raises for a body that was parked in recoverBody.
func stopCoroutine(g *Greenlet) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(goexitDone); !ok {
				panic(r)
			}
		}
	}()
	g.stop()
}

func (o *owner) link(g *Greenlet) {
	g.prev = o.tail
	if o.tail != nil {
		o.tail.succ = g
	} else {
		o.head = g
	}
	o.tail = g
}

func (o *owner) unlink(g *Greenlet) {
	if g.prev != nil {
		g.prev.succ = g.succ
	} else if o.head == g {
		o.head = g.succ
	}
	if g.succ != nil {
		g.succ.prev = g.prev
	} else if o.tail == g {
		o.tail = g.prev
	}
	g.prev, g.succ = nil, nil
}

// KillAll destroys every started greenlet of m's owner, newest first, so
// that no coroutine is left behind: each is re-parented to m and thrown
// ErrGreenletExit, so its defers and cleanup run and may still switch; one
// that survives the throw is stopped, which unwinds it with a panic its
// defers see but which cannot switch any more. m must be the running main
// greenlet. It returns the errors the killed greenlets raised, joined.
// Unstarted greenlets hold no goroutine and are left as they are.
func (m *Greenlet) KillAll() error {
	if err := m.checkRunningMain("kill"); err != nil {
		return err
	}
	return m.killAll()
}

func (m *Greenlet) checkRunningMain(op string) error {
	if !m.created() {
		return errUncreated(op)
	}
	if m.o.current.goid != goid.Get() {
		return m.refuse(op, ErrWrongGoroutine)
	}
	if !m.isMain || m.o.current != m || m.o.closed {
		return m.refuse(op, ErrNotMain)
	}
	return nil
}

func (m *Greenlet) killAll() error {
	o := m.o
	var errs []error
	for o.tail != nil {
		g := o.tail
		if g.state == stSuspended {
			g.parent = m
			if _, err := g.Throw(nil); err != nil {
				errs = append(errs, err)
			}
		}
		if g.state != stDead && g == o.tail {
			m.forceStop(g)
		}
	}
	return errors.Join(errs...)
}

// forceStop stops suspended g's coroutine: its pending switch panics with
// unwind, which its body turns into death.
func (m *Greenlet) forceStop(g *Greenlet) {
	o := m.o
	g.stopping = true
	m.state = stResuming
	g.state = stRunning
	o.current = g
	stopCoroutine(g)
	o.current = m
	m.state = stRunning
	if g.state != stDead {
		// The body swallowed the unwind and returned from its Func while
		// stopping: finish already ran, or it could not; make sure.
		g.state = stDead
		o.unlink(g)
		goroutines.Delete(g.goid)
	}
	g.next, g.stop, g.yield, g.run = nil, nil, nil, nil
}

// Close kills every greenlet of m's owner (see KillAll) and releases the
// owner: m becomes dead, every later Switch or Throw of its greenlets (m
// included) fails with ErrClosed, and the goroutine's next Current creates
// a new main greenlet.
func (m *Greenlet) Close() error {
	if err := m.checkRunningMain("close"); err != nil {
		return err
	}
	err := m.killAll()
	o := m.o
	o.closed = true
	m.state = stDead
	// A dead main may not switch either: transfer refuses it up front, so
	// nothing starts a coroutine that no KillAll would stop.
	m.stopping = true
	goroutines.Delete(o.goid)
	return err
}

// Stack returns the stack of g's goroutine: g's own stack when g is the
// caller, else the stack where g is suspended (or resuming another
// greenlet), found in a dump of all goroutines. That costs a stop of the
// world, so it is meant for diagnostics. It is nil for an unstarted or dead
// greenlet.
func (g *Greenlet) Stack() []byte {
	if !g.created() || g.state == stUnstarted || g.state == stDead {
		return nil
	}
	if g.goid == goid.Get() {
		return debug.Stack()
	}
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return findGoroutine(buf, g.goid)
}

func findGoroutine(dump []byte, id int64) []byte {
	prefix := []byte("goroutine " + strconv.FormatInt(id, 10) + " [")
	for len(dump) > 0 {
		end := indexDouble(dump)
		block := dump
		if end >= 0 {
			block, dump = dump[:end+1], dump[end+2:]
		} else {
			dump = nil
		}
		if len(block) >= len(prefix) && string(block[:len(prefix)]) == string(prefix) {
			return block
		}
	}
	return nil
}

// indexDouble finds the blank line separating goroutines in a dump.
func indexDouble(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\n' && b[i+1] == '\n' {
			return i
		}
	}
	return -1
}
