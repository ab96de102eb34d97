package scheduler

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/petermattis/goid"
)

// ErrGreenletExit is python-greenlet's GreenletExit: Kill throws it by
// default, and a greenlet that returns it counts as successful.
var ErrGreenletExit = greenlet.ErrGreenletExit

type taskState uint8

const (
	stNew     taskState = iota // created, not started
	stPending                  // start callback or timer queued
	stRunning                  // body running (or suspended in a wait)
	stDead                     // body finished, or killed before running
)

// job is what a worker greenlet runs: a task body or a Link callback.
type job interface {
	runOn(c *gctx)
	// endNil ends the job whose runOn's recover returned nil (worker.nilEscape):
	// with v nil a panic(nil), with ErrGoexit a runtime.Goexit.
	endNil(c *gctx, p *PanicError)
}

// runnable is the generic half of a Greenlet: it runs the typed body.
type runnable interface {
	Runnable
	runBody()
	hasBody() bool
	base() *task
}

// task is the untyped state of a gevent Greenlet.
type task struct {
	// id numbers the greenlet on its hub (0 while unbound). It comes first
	// to be 64-bit aligned: a late binding stores it atomically (bindLate)
	// for Name, which any goroutine may call.
	id uint64
	// owner is the greenlet's hub: read it with hub. It is written plainly
	// only when the greenlet is made in a hub, before anyone else has it;
	// a greenlet made outside a hub is bound later with a CAS (bindLate).
	owner *Hub
	impl  runnable
	name  atomic.Pointer[string]
	state taskState
	// spawnK and spawnP are the greenlet that created this one, until it
	// finishes (spawntree.go); the small fields share one word.
	spawnK spawnKind
	// inSpawnCBs is set while the spawn callbacks hear of this greenlet.
	inSpawnCBs bool
	// bySpawnLater is set when SpawnLater, not Greenlet.StartLater,
	// scheduled the greenlet to start later: runinfo names the call.
	bySpawnLater bool
	// ctxSt is the state of the greenlet's Context (context.go) and its
	// ctxResult bit, which the end's one atomic read-modify-write sets
	// once value, err and exitErr are final: any goroutine may make the
	// Context or ask for the outcome, the hub ends and publishes both. It
	// sits in the word's spare bytes.
	ctxSt  atomic.Uint32
	spawnP unsafe.Pointer

	// cb is the start callback while stPending (Start), then the callback
	// that notifies the links once ready: the two never overlap.
	cb  Callback
	ctx *gctx // worker running the body while stRunning

	err error // failure; nil when successful

	links   []linkEntry
	links0  [1]linkEntry // first link without an allocation (a join)
	linkSeq LinkID

	prev, next *task // hub's list of live (pending or running) tasks

	// x is made on first use, by the hub or by the first Context call,
	// which may come from any goroutine.
	x atomic.Pointer[taskExtra]
}

// taskExtra is the part of a task few greenlets use. Keeping it out of the
// task, which is allocated per spawn, keeps a Greenlet whose value is at
// most a word (Go's struct{}, an int) in the 192-byte size class: less to
// allocate, zero and collect per spawn.
type taskExtra struct {
	ctx        lazyCtx       // Context
	killErr    error         // the kill that ended Context before the outcome was known
	exitErr    error         // the GreenletExit that ended a successful greenlet
	startTimer *hubTimer     // StartLater's timer while pending
	startIn    time.Duration // StartLater's delay, for runinfo
}

// extra returns the task's extra part, making it on first use.
func (t *task) extra() *taskExtra {
	if x := t.x.Load(); x != nil {
		return x
	}
	if x := new(taskExtra); t.x.CompareAndSwap(nil, x) {
		return x
	}
	return t.x.Load()
}

// laterLabel is what runinfo shows a greenlet pending in StartLater's timer
// waiting on: the call that scheduled it and its delay ("SpawnLater 1m0s").
// On the hub, while startTimer is not nil.
func (t *task) laterLabel() string {
	op := "Greenlet.StartLater"
	if t.bySpawnLater {
		op = "SpawnLater"
	}
	return op + " " + t.x.Load().startIn.String()
}

// startTimer is StartLater's timer while the greenlet is pending, or nil.
func (t *task) startTimer() *hubTimer {
	if x := t.x.Load(); x != nil {
		return x.startTimer
	}
	return nil
}

// LinkID identifies a link for Unlink.
type LinkID uint64

type linkEntry struct {
	id LinkID
	fn func(Linkable)
}

// Linkable is anything Wait, IWait and JoinAll can wait on: when it becomes
// ready it calls its links (gevent's rawlink protocol). A greenlet becomes
// ready once; an Event can be cleared and a Semaphore acquired, so those can
// become un-ready again. *Greenlet[T] implements it, and so do the primitives
// built on the scheduler. An implementation that also has a Hub() *Hub
// method lets IWait refuse a wait from another hub.
type Linkable interface {
	// Ready reports whether waiting on the object would return at once
	// (a finished greenlet, a set event, an acquirable semaphore).
	Ready() bool
	// Rawlink calls fn on the hub once the object is ready (at once, in a
	// hub callback, if it already is). fn must not block.
	Rawlink(fn func(Linkable)) LinkID
	// Unlink removes a link; unknown ids are ignored.
	Unlink(id LinkID)
}

// Runnable is the untyped face of a *Greenlet[T], as returned by GetCurrent.
//
// Name, Context and the queries of the outcome (Ready, Dead, Successful,
// Err) may be called from any goroutine: once Ready returned true the others
// give the final outcome, and before they answer "not ready". Started
// reports false off the greenlet's hub. The other methods are hub-affine,
// and Join and Kill return an error matching ErrNotGreenlet when called
// from a goroutine that is not a greenlet of the greenlet's hub (but for a
// greenlet that finished on a hub since destroyed Join returns nil from
// anywhere and Kill and KillAsync do nothing; see Greenlet.Get).
type Runnable interface {
	Linkable
	// Name returns the greenlet's name, "Greenlet-<n>" unless SetName
	// changed it.
	Name() string
	// Err returns the error the greenlet failed with; nil until it is
	// ready, on success and after a GreenletExit.
	Err() error
	// Successful reports whether the greenlet finished without an error.
	Successful() bool
	// Dead reports whether the greenlet finished or was killed before it
	// ran.
	Dead() bool
	// Started reports whether the greenlet is scheduled or running and not
	// yet finished (gevent's bool(greenlet)); false off the greenlet's hub.
	Started() bool
	// Join waits until the greenlet is ready or ctx is done; see
	// Greenlet.Join.
	Join(ctx context.Context) error
	// Kill raises err (ErrGreenletExit when nil) in the greenlet and waits
	// until it is dead or ctx is done; see Greenlet.Kill.
	Kill(ctx context.Context, err error) error
	// KillAsync raises err in the greenlet without waiting; see
	// Greenlet.KillAsync.
	KillAsync(err error) error
	// Context returns a context cancelled when the greenlet is killed or
	// finishes; see Greenlet.Context. Goroutine-safe.
	Context() context.Context
}

// Greenlet is gevent's Greenlet: a function run cooperatively on the hub of
// the goroutine that created it, with a typed result. A nil *Greenlet
// answers every method: the queries with their zero values (Name and String
// with "<nil>", Context with a context never cancelled), the link calls by
// doing nothing, the others with ErrNilArgument.
type Greenlet[T any] struct {
	task
	fn func() (T, error)
	// fnErr is the body Go was given: run as is, it spares Go a closure
	// (an allocation) per spawn.
	fnErr func() error
	value T
}

func (g *Greenlet[T]) base() *task {
	if g == nil {
		return nil
	}
	return &g.task
}

func (g *Greenlet[T]) hasBody() bool { return g.fn != nil || g.fnErr != nil }

func (g *Greenlet[T]) runBody() {
	if f := g.fnErr; f != nil {
		g.fnErr = nil
		g.task.finish(f())
		return
	}
	v, err := g.fn()
	g.fn = nil
	// Kept with a failure too: a Go function returns its value beside its
	// error (a count of bytes read before a timeout), where gevent's
	// exception leaves None.
	g.value = v
	g.task.finish(err)
}

// New creates a greenlet without starting it; Start or StartLater
// schedules it on the hub of the greenlet that starts it (the caller's hub,
// when New is called in one).
func New[T any](fn func() (T, error)) *Greenlet[T] {
	g := &Greenlet[T]{fn: fn}
	g.adopt()
	return g
}

// adopt binds a greenlet just made by New or Go to the caller's hub and
// records its spawner.
func (g *Greenlet[T]) adopt() {
	g.impl = g
	if c := currentCtx(); c != nil {
		g.bindTo(c.hub)
		// Frames above New or Go: their caller, or Spawn and SpawnLater.
		g.spawnP, g.spawnK = spawnRecord(c, 2)
	}
}

// startOrRefuse starts g, just made by the caller op (Spawn, Go), or makes
// it dead with the error Start returned, naming op. A nil body is refused
// first, wherever the caller runs: g is still the caller's own to read.
func (g *Greenlet[T]) startOrRefuse(op string) *Greenlet[T] {
	if !g.hasBody() {
		g.refuse(opErr(op, ErrNilArgument))
	} else if err := g.startAs(op); err != nil {
		g.refuse(err)
	}
	return g
}

// bindTo gives a greenlet just made, which nobody else has yet, to h with
// h's next greenlet number: plain writes, on the spawn path.
func (t *task) bindTo(h *Hub) {
	t.owner = h
	h.nextID++
	t.id = h.nextID
}

// hub returns the hub the greenlet is bound to, nil while it is unbound.
// Goroutine-safe: an unbound greenlet may be bound at any time by a
// greenlet of any hub (bindLate).
func (t *task) hub() *Hub {
	return (*Hub)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&t.owner))))
}

// bindLate binds a greenlet made outside any hub to h, the caller's, unless
// a greenlet of another hub bound it first, and returns the hub it is bound
// to now. With numbered, the winner numbers it on h. The CAS (and the
// store of the number) cost only this rare path: Spawn and Go in a hub bind
// with bindTo.
func (t *task) bindLate(h *Hub, numbered bool) *Hub {
	if !atomic.CompareAndSwapPointer((*unsafe.Pointer)(unsafe.Pointer(&t.owner)), nil, unsafe.Pointer(h)) {
		return t.hub()
	}
	if numbered {
		h.nextID++
		atomic.StoreUint64(&t.id, h.nextID)
	}
	return h
}

// Spawn creates a greenlet and schedules it to start when the hub next
// drains its callbacks (gevent.spawn): spawned greenlets start in spawn
// order, after callbacks already queued. Outside a greenlet (or with a nil
// fn) it returns a greenlet that is already dead with the error Start would
// return, naming Spawn (matching ErrNotGreenlet or ErrNilArgument), which
// Get and Err report.
func Spawn[T any](fn func() (T, error)) *Greenlet[T] {
	return New(fn).startOrRefuse("Spawn")
}

// SpawnLater creates a greenlet that starts d from now (gevent.spawn_later);
// outside a greenlet it is dead at once, as with Spawn, its error naming
// SpawnLater.
func SpawnLater[T any](d time.Duration, fn func() (T, error)) *Greenlet[T] {
	g := New(fn)
	if fn == nil {
		g.refuse(opErr("SpawnLater", ErrNilArgument))
	} else if err := g.startLaterAs("SpawnLater", d); err != nil {
		g.refuse(err)
	}
	return g
}

// Go spawns fn, a body without a result; refused as Spawn is, its error
// naming Go.
func Go(fn func() error) *Greenlet[struct{}] {
	g := &Greenlet[struct{}]{fnErr: fn}
	g.adopt()
	return g.startOrRefuse("Go")
}

// refuse makes a greenlet that could not start dead with err, without a
// hub: no links run and no handler hears of it (the caller has the error).
func (t *task) refuse(err error) {
	t.fn0()
	t.state = stDead
	t.err = err
	t.endCtx(ctxDone | ctxResult)
}

// Value is what the body returned once the greenlet is ready, beside its
// error when it failed (gevent's value is None after an exception; a Go
// function returns both); the zero value before, for a greenlet killed
// before it ran and for a nil Greenlet. Goroutine-safe: once Ready returned
// true it is final.
func (g *Greenlet[T]) Value() T {
	if g == nil || !g.task.Ready() {
		var zero T
		return zero
	}
	return g.value
}

// Get waits until the greenlet is ready or ctx is done and returns its
// result: the value and the error the body returned. A wait that ends early
// returns its own error (an *Error naming Greenlet.Get that wraps
// ContextError's, or what was thrown into the caller, as it is). A
// greenlet that finished on a hub since destroyed (Destroy
// returned) has its result for good: Get returns it at once, from any
// goroutine, as Join and TryGet do; one that never finished there is
// refused like any other object of another hub. A nil Greenlet returns
// ErrNilArgument.
func (g *Greenlet[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if g == nil {
		return zero, opErr("Greenlet.Get", ErrNilArgument)
	}
	if err := g.task.wait("Greenlet.Get", ctx); err != nil {
		return zero, err
	}
	return g.value, g.err
}

// TryGet returns the result as Get does if the greenlet is ready, else an
// error matching ErrNotReady; a nil Greenlet returns ErrNilArgument. Like
// Get, it needs no hub for a greenlet that finished on a hub since
// destroyed.
func (g *Greenlet[T]) TryGet() (T, error) {
	var zero T
	if g == nil {
		return zero, opErr("Greenlet.TryGet", ErrNilArgument)
	}
	c := currentCtx()
	h := g.hub()
	if h.final(c) && g.Ready() {
		// Refused at Spawn, or finished on a hub since destroyed.
		return g.value, g.err
	}
	if _, err := h.affine(c, "Greenlet.TryGet"); err != nil {
		return zero, err
	}
	if g.Ready() {
		return g.value, g.err
	}
	return zero, opErr("Greenlet.TryGet", ErrNotReady)
}

// Name is Greenlet.Name, less the nil check.
func (t *task) Name() string {
	if p := t.name.Load(); p != nil {
		return *p
	}
	return "Greenlet-" + strconv.FormatUint(atomic.LoadUint64(&t.id), 10)
}

// SetName is Greenlet.SetName, less the nil check.
func (t *task) SetName(name string) { t.name.Store(&name) }

// String is Greenlet.String, less the nil check.
func (t *task) String() string { return t.Name() }

// Ready is Greenlet.Ready, less the nil check: the ctxResult bit, which
// the end sets after it wrote the outcome, so that a goroutine that sees it
// reads the outcome race-free.
func (t *task) Ready() bool { return t.ctxSt.Load()&ctxResult != 0 }

// Dead is Greenlet.Dead, less the nil check. The hub makes a failed
// greenlet dead only after its error handler heard of it (finish), a plain
// write other goroutines cannot read: for them dead is ready.
func (t *task) Dead() bool {
	if !t.Ready() {
		return false
	}
	if c := currentCtx(); c == nil || c.hub != t.hub() {
		return true
	}
	return t.state == stDead
}

// Started is Greenlet.Started, less the nil check. A start is a plain
// write on the spawn path: only the greenlet's hub can read it.
func (t *task) Started() bool {
	if t.Ready() || !t.onOwnHub() {
		return false
	}
	return t.state == stPending || t.state == stRunning
}

// onOwnHub reports whether the caller is a greenlet of t's hub, the only
// goroutine that may read what the hub writes plainly (the state, the
// links, the spawner). An unbound greenlet is nobody's: false.
func (t *task) onOwnHub() bool {
	c := currentCtx()
	return c != nil && c.hub == t.hub()
}

// Successful is Greenlet.Successful, less the nil check.
func (t *task) Successful() bool { return t.Ready() && t.err == nil }

// Err is Greenlet.Err, less the nil check.
func (t *task) Err() error {
	if !t.Ready() {
		return nil
	}
	return t.err
}

// ExitErr is Greenlet.ExitErr, less the nil check.
func (t *task) ExitErr() error {
	if !t.Ready() {
		return nil
	}
	if x := t.x.Load(); x != nil {
		return x.exitErr
	}
	return nil
}

// Hub is Greenlet.Hub, less the nil check.
func (t *task) Hub() *Hub { return t.hub() }

// Start is Greenlet.Start, less the nil check.
func (t *task) Start() error { return t.startAs("Greenlet.Start") }

// startAs is Start for the call op, which its errors name.
func (t *task) startAs(op string) error {
	h, err := t.startable(op)
	if err != nil || t.state != stNew {
		return err
	}
	if len(h.spawnCBs) > 0 && !t.spawnCallbacks() {
		return nil
	}
	t.state = stPending
	h.live.push(t)
	t.cb = h.runCallbackArg(startTask, t)
	return nil
}

// StartLater is Greenlet.StartLater, less the nil check.
func (t *task) StartLater(d time.Duration) error {
	return t.startLaterAs("Greenlet.StartLater", d)
}

// startLaterAs is StartLater for the call op, which its errors name.
func (t *task) startLaterAs(op string, d time.Duration) error {
	h, err := t.startable(op)
	if err != nil || t.state != stNew {
		return err
	}
	if len(h.spawnCBs) > 0 && !t.spawnCallbacks() {
		return nil
	}
	ht, err := h.getTimer(d, func() {
		t.x.Load().startTimer = nil
		startTask(t)
	})
	if err != nil {
		return opErr(op, err)
	}
	t.state = stPending
	h.live.push(t)
	x := t.extra()
	x.startTimer, x.startIn = ht, d
	t.bySpawnLater = op == "SpawnLater"
	return nil
}

// startable binds an unbound greenlet to the caller's hub, checks that the
// caller may start the greenlet and returns its hub. The body and the state
// are the hub's: they are read only once the caller was checked (a
// goroutine that is no greenlet does not even read the greenlet's hub).
// Greenlets of two hubs starting a greenlet made outside a hub at once both
// try to bind it; the loser is refused as from another hub, before it
// reads anything the winner writes.
func (t *task) startable(op string) (*Hub, error) {
	if t.impl == nil {
		return nil, opErr(op, ErrNilArgument) // the zero Greenlet
	}
	c := currentCtx()
	if c == nil {
		return nil, opErr(op, errNoHub)
	}
	h := t.hub()
	if h == nil {
		if _, err := c.hub.affine(c, op); err != nil {
			return nil, err
		}
		h = t.bindLate(c.hub, true)
	}
	if _, err := h.affine(c, op); err != nil {
		return nil, err
	}
	if !t.impl.hasBody() && t.state == stNew {
		return nil, opErr(op, ErrNilArgument)
	}
	return h, nil
}

// startTask runs on the hub: it hands the task to a worker greenlet.
func startTask(a any) {
	t := a.(*task)
	if t.state != stPending {
		return
	}
	t.hub().runJob(t)
}

// worker is a reusable greenlet that runs jobs: when a job ends it parks in
// the hub's idle pool instead of dying, which saves a coroutine (a goroutine
// and its stack) per spawn; see pool.go for how the pool shrinks.
type worker struct {
	ctx *gctx
	// nilEscape is what the recover of the job's runOn returned nil for:
	// a runtime.Goexit, or under GODEBUG=panicnil=1 a panic(nil) that it
	// stopped. main tells them apart: control comes back to its loop only
	// after the panic (see escape.go).
	nilEscape *PanicError
}

// endNil ends job j with what its runOn's recover returned nil for, if it
// did: v is nil for a panic(nil), ErrGoexit for a runtime.Goexit.
func (w *worker) endNil(j job, v any) {
	if p := w.nilEscape; p != nil {
		w.nilEscape = nil
		p.Value = v
		j.endNil(w.ctx, p)
	}
}

func (w *worker) main(first any) (any, error) {
	c := w.ctx
	registerCtx(c, goid.Get())
	h := c.hub
	j, _ := first.(job)
	returned := false
	defer func() {
		if !returned {
			w.goexit(j)
		}
		unregisterCtx(c)
	}()
	pprof.SetGoroutineLabels(h.labels)
	h.setRunning(c)
	for j != nil {
		j.runOn(c)
		if w.nilEscape != nil {
			w.endNil(j, nil)
		}
		if h.switchFlags.Load()&flagTracing != 0 {
			h.traceJobEnd(j)
		}
		if c.locals != nil {
			c.locals = nil
		}
		if h.destroyed.Load() {
			break
		}
		h.putWorker(w)
		v, err := h.switchFrom(c)
		if err != nil {
			break
		}
		j, _ = v.(job)
	}
	returned = true
	return nil, nil
}

// goexit is the end of a worker whose job j left it in a runtime.Goexit:
// the job recovered what it could (runOn) and reported it, and the
// coroutine is going away, its defers being the only code left to run. It
// ends into its parent, the hub, which runs from here for the detector and
// AssertSwitches (as rawDone), the stretch named by j. A job cannot tell a
// plain panic from one raised under a pending Goexit (a deferred call that
// panicked while the body unwound from Goexit), which the runtime resumes
// once the recovering defer returns: so the worker, whose loop the Goexit
// leaves, decides.
func (w *worker) goexit(j job) {
	h := w.ctx.hub
	w.endNil(j, ErrGoexit)
	if h.switchFlags.Load()&flagTracing != 0 {
		h.traceJobEnd(j)
	}
	h.endIntoHub()
}

// runOn runs the task's body on worker c, recovering panics and detecting
// runtime.Goexit.
func (t *task) runOn(c *gctx) {
	t.cb = Callback{}
	t.state = stRunning
	t.ctx = c
	c.task = t
	c.curTask.Store(t)
	normal := false
	defer func() {
		if normal {
			return
		}
		// A panic is reported now, which may have been raised under a
		// Goexit that the runtime resumes once this returns. recover
		// returns nil for a runtime.Goexit, and under GODEBUG=panicnil=1
		// for a panic(nil), which it stops: the worker, whose loop gets
		// control back only after that panic, ends the task with the
		// one it was (worker.endNil), c still running it, as the error
		// handler hears of a failure in the greenlet (task.endNil lets
		// go of it). Under a Goexit the worker ends into the hub
		// (worker.goexit); after a plain panic it parks as after a
		// return.
		if r := recover(); r != nil {
			t.finish(panicError(r))
		} else {
			c.w.nilEscape = &PanicError{Stack: debug.Stack()}
			return
		}
		c.task = nil
		c.curTask.Store(nil)
		t.ctx = nil
	}()
	t.impl.runBody()
	normal = true
	c.task = nil
	c.curTask.Store(nil)
	t.ctx = nil
}

// endNil finishes the task with what runOn's recover returned nil for,
// then lets go of it as runOn does after a panic.
func (t *task) endNil(c *gctx, p *PanicError) {
	t.finish(p)
	c.task = nil
	c.curTask.Store(nil)
	t.ctx = nil
}

// finish records the body's outcome (gevent's _report_result/_report_error).
func (t *task) finish(err error) {
	if t.Ready() {
		return
	}
	if t.state != stRunning {
		t.state = stDead // killed before it ran
	}
	h := t.hub()
	h.live.remove(t)
	t.spawnP, t.spawnK = nil, spawnNone
	if err != nil && errors.Is(err, ErrGreenletExit) {
		t.extra().exitErr = err
		err = nil
	}
	t.err = err
	// Ready from here on, for every goroutine: the outcome is written.
	t.endCtx(ctxDone | ctxResult)
	if len(t.links) > 0 && !t.cb.pending() {
		t.cb = h.runCallbackArg(notifyLinks, t)
	}
	if err != nil {
		h.HandleError(&GreenletError{Greenlet: t.Name(), Err: err})
	}
	// Dead after the report, as in gevent, where the greenlet still runs
	// handle_error, and is suspended in it while main handles a system
	// error it threw there.
	t.state = stDead
}

// GreenletError is what the hub's error handler gets when a greenlet fails:
// which greenlet and the error (a *PanicError for a panic).
type GreenletError struct {
	Greenlet string // the greenlet's name
	Err      error  // the error it failed with, as its Err returns it (a *PanicError for a panic)
}

// Error returns "scheduler: <name> failed: <error>", followed by the stack
// when Err is a *PanicError that recorded one.
func (e *GreenletError) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	s := fmt.Sprintf("scheduler: %s failed: %v", e.Greenlet, e.Err)
	var p *PanicError
	if errors.As(e.Err, &p) && len(p.Stack) > 0 {
		s += "\n" + string(p.Stack)
	}
	return s
}

// Unwrap returns the greenlet's error.
func (e *GreenletError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

func panicError(r any) error {
	return &PanicError{Value: r, Stack: debug.Stack()}
}

// taskList is an intrusive list of a hub's pending and running tasks, for
// Destroy and LoopExit reports, without a map operation per spawn.
type taskList struct {
	head *task
	n    int
}

func (l *taskList) push(t *task) {
	t.prev = nil
	t.next = l.head
	if l.head != nil {
		l.head.prev = t
	}
	l.head = t
	l.n++
}

func (l *taskList) remove(t *task) {
	if t.prev == nil && l.head != t {
		return
	}
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		l.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	}
	t.prev, t.next = nil, nil
	l.n--
}
