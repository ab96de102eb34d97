// Package threadpool runs blocking Go functions on worker goroutines, off the hub, and delivers
// their results to waiting greenlets: gevent's ThreadPool. A pool has at most Size workers, which
// exist only while there is work; calls beyond that wait in a FIFO queue.
//
// # Who may call what, from where
//
// A pool is hub-affine: Spawn, Apply, ApplyCallback, Map, MapCallback, Imap, ImapUnordered,
// ApplyAsync, MapAsync and Join must be called from a greenlet of the pool's hub (the blocking
// ones, Apply, ApplyCallback, Map, MapCallback, the iterations and Join, not from the hub greenlet
// itself, a callback), and from anywhere else they run nothing, wait for nothing and report an
// error matching scheduler.ErrNotGreenlet; no call creates a hub.
// Close, Len, Size and SetSize are goroutine-safe. The functions themselves run on plain
// goroutines, which are no greenlets: a scheduler call made inside one gets ErrNotGreenlet and
// creates no hub. A result reaches its hub through the hub's goroutine-safe Post (one
// ev_async_send), and a call in flight keeps the hub's loop alive, so a greenlet waiting for it
// gets no LoopExit.
//
// # Size and Join
//
// SetSize (gevent's maxsize setter) is goroutine-safe and takes effect at once: growing starts
// workers for the queued calls; shrinking interrupts nothing, and no queued call starts while the
// new size or more run (a worker that finishes its call while more workers exist ends instead of
// taking the next). A size below 1 changes nothing and is an error matching ErrInvalidSize; on a
// closed pool SetSize only changes Size. An Imap or ImapUnordered under way keeps the limit of
// outstanding calls it read from Size when it started.
//
// Join (gevent's ThreadPool.join) blocks like Apply and is refused where Apply is (a nil ctx is
// scheduler.ErrNilArgument); its wait ends early as Apply's does, skipping nothing. It returns
// once no call the pool accepted is queued or running and each one's result has reached its hub
// (so every Result of them is ready), nil at once on an idle pool; a call accepted while it waits
// extends the wait. It waits for every accepted call: those whose caller gave up until they are
// skipped or return, on a closed pool those running when Close failed the queued ones, and, on
// the next hub of a pool whose hub was destroyed, the old hub's calls still running (their results
// are dropped). It does not wait for what the pool has not accepted yet: the callback greenlets of
// ApplyAsync and MapAsync, as gevent's join does not, or the items an iteration's feeder submits
// later. While it waits the hub's loop stays alive. Any number of greenlets may Join at once; one
// that stops waiting (its ctx ends, a Kill, a Timeout) leaves nothing registered behind.
//
// # Giving up, closing, and the end of the hub
//
// A goroutine cannot be interrupted, so no call is stopped once it runs on a worker. A greenlet
// that stops waiting (its context ends, or it is killed or hit by a Timeout while it waits in
// Apply, Map, their Callback forms, Result.Get or an iteration) gets that error at once; the
// calls of the Apply, Map or iteration it gave up on that have not started on a worker by then
// are skipped (fn never runs for them), those already running finish and their results are
// dropped (and a callback of ApplyCallback or MapCallback never runs). The calls of Spawn,
// ApplyAsync and MapAsync are never skipped while their hub lives: a later Get still finds their
// outcome.
//
// Close refuses new work with ErrClosed (which matches scheduler.ErrClosed) and fails the queued
// calls with it, so a greenlet waiting for one of them gets ErrClosed; the calls already running
// finish and deliver. Once the pool's hub is destroyed its calls report scheduler.ErrHubDestroyed,
// and so does a Result that was pending on it, even to another hub's greenlet: nothing can deliver
// it any more, so a Get, Rawlink or scheduler.Wait from a greenlet of another hub takes it over
// and finds it ready with that error (during that Destroy, it first waits with its hub for the
// Destroy to return, as scheduler.Binding does). The calls of any kind still queued then are
// skipped (fn never runs for them), those already running finish and their results are dropped.
// The pool binds to the next hub that uses it.
package threadpool

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/internal/sentinel"
	"github.com/geventgo/geventgo/scheduler"
)

// DefaultSize is the size of a zero ThreadPool and of the pools Default returns (gevent's hub
// threadpool holds 10 threads).
const DefaultSize = 10

// ErrClosed is the error of work spawned on, or still queued in, a closed pool; it matches
// scheduler.ErrClosed.
var ErrClosed = sentinel.Of(scheduler.ErrClosed, "threadpool closed")

// ErrInvalidSize is returned by New and SetSize for a size below 1.
var ErrInvalidSize = errors.New("threadpool size must be at least 1")

// errStopped is the outcome of a call skipped because its caller gave up on it; nobody sees it.
var errStopped = errors.New("threadpool: call abandoned by its caller")

// Error adds the operation that failed to a cause.
type Error struct {
	Op  string // e.g. "Apply", "Result.Get"
	Err error  // ErrClosed, ErrInvalidSize, a scheduler sentinel, a context's error, ...
}

// Error returns "threadpool: Op: cause", so the text names the package and the call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "threadpool: <nil>"
	}
	return "threadpool: " + e.Op + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout (a context's deadline:
// scheduler.ContextError's error), so os.IsTimeout and net.Error users see
// one, as with package os's and net's errors.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

// waitErr is the error of op's wait bounded by ctx that failed with err. The Result's links
// name their refusal of op and ctx's end by op (an *event.Error of op): the cause goes under the
// pool's name. Any other end of ctx (decided by ctx itself: ctxwait.Ended, whichever primitive
// saw it) wraps scheduler.ContextError's error. Anything else is what was thrown into the
// greenlet (a Kill's error, a Timeout, LoopExit), wrapped as it is, so that a primitive's *Error
// thrown keeps the call it names.
func waitErr(op string, ctx context.Context, err error) error {
	if e, ok := err.(*event.Error); ok && e.Op == op {
		return &Error{Op: op, Err: e.Err}
	}
	if ctxwait.Ended(ctx, err) {
		err = ctxwait.Err(scheduler.ContextError(ctx), err)
	}
	return &Error{Op: op, Err: err}
}

// ThreadPool runs functions on at most Size worker goroutines; work beyond that waits in a FIFO
// queue. Workers exist only while there is work, so an idle pool holds no goroutine.
//
// The zero ThreadPool is usable: it has DefaultSize workers and, like a pool from New, binds to
// the hub of the first greenlet that uses it (scheduler.Binding). A pool whose hub was destroyed
// binds again to the next hub that uses it; until then its calls report
// scheduler.ErrHubDestroyed.
type ThreadPool struct {
	bind  scheduler.Binding
	bound atomic.Bool  // bound once: a refusal after its hub's Destroy says ErrHubDestroyed
	size  atomic.Int64 // 0: DefaultSize; written under mu, read anywhere

	mu          sync.Mutex
	queue       []job
	running     int // workers
	busy        int // functions running on them (Len counts these, not the workers)
	closed      bool
	undelivered int                 // accepted calls whose result is not posted yet
	posted      uint64              // results posted (each counted here when it is posted)
	joiners     []*scheduler.Waiter // the greenlets blocked in Join

	// ran counts the posted results that ran on the hub (or are known to have been refused by a
	// destroyed one); hub-affine, so never above the results that did. Join's pool is idle when
	// no call is undelivered and ran equals posted.
	ran uint64
}

// job is one queued call. A worker runs it with a nil error and then, under the pool's lock,
// delivers it, which posts the result to the hub; Close runs it with ErrClosed's error, which
// runs no function, and then delivers that.
type job interface {
	run(refused error)
	deliver()
}

// New returns a pool of at most size workers. It binds to the hub of the first greenlet that
// uses it.
func New(size int) (*ThreadPool, error) {
	if size < 1 {
		return nil, &Error{Op: fmt.Sprintf("New(%d)", size), Err: ErrInvalidSize}
	}
	p := new(ThreadPool)
	p.size.Store(int64(size))
	return p, nil
}

var defaults sync.Map // *scheduler.Hub -> *ThreadPool

// Default returns the calling hub's shared pool (gevent's hub.threadpool) of the size the hub
// was started with (scheduler.Config.ThreadpoolSize; DefaultSize unless set), creating it on
// first use, and anew once a caller closed it (so that one Close does not leave the resolver and
// fileobject's thread mode failing on that hub for good). Called from a goroutine that is not a
// greenlet of any hub, where there is no hub to share a pool with, it creates no hub and returns
// a new zero ThreadPool, whose calls from that goroutine report scheduler.ErrNotGreenlet.
func Default() *ThreadPool {
	h := scheduler.CurrentHub()
	if h == nil {
		return new(ThreadPool)
	}
	if v, ok := defaults.Load(h); ok {
		if p := v.(*ThreadPool); !p.isClosed() {
			return p
		}
		defaults.Delete(h) // closed: made anew below
	}
	// Drop the pools of destroyed hubs so the map does not grow with short-lived hubs.
	defaults.Range(func(k, _ any) bool {
		if k.(*scheduler.Hub).Destroyed() {
			defaults.Delete(k)
		}
		return true
	})
	p := new(ThreadPool)
	p.size.Store(int64(h.ThreadpoolSize())) // the hub's Config.ThreadpoolSize; 0: DefaultSize
	_, _ = p.check("Default", false)        // the caller is a greenlet of h: p binds to h
	actual, _ := defaults.LoadOrStore(h, p)
	return actual.(*ThreadPool)
}

// isClosed reports whether Close was called.
func (p *ThreadPool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// check binds the pool to the caller's hub if it is unbound and returns that hub when the
// caller may use the pool for op (wait: a call that blocks).
func (p *ThreadPool) check(op string, wait bool) (*scheduler.Hub, error) {
	if p == nil {
		return nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	var h *scheduler.Hub
	var err error
	if wait {
		h, err = p.bind.CheckWait()
	} else {
		h, err = p.bind.Check()
	}
	if err != nil {
		if errors.Is(err, scheduler.ErrNotGreenlet) && p.bound.Load() && p.bind.Hub() == nil {
			err = scheduler.ErrHubDestroyed // it was bound, and its hub is gone
		}
		return nil, &Error{Op: op, Err: err}
	}
	p.bound.Store(true)
	return h, nil
}

// Size returns the maximum number of workers (0 for a nil pool). Goroutine-safe.
func (p *ThreadPool) Size() int {
	if p == nil {
		return 0
	}
	if n := p.size.Load(); n != 0 {
		return int(n)
	}
	return DefaultSize
}

// SetSize changes the maximum number of workers to n, at least 1 (gevent's maxsize setter).
func (p *ThreadPool) SetSize(n int) error {
	if p == nil {
		return &Error{Op: "ThreadPool.SetSize", Err: scheduler.ErrNilArgument}
	}
	if n < 1 {
		return &Error{Op: fmt.Sprintf("ThreadPool.SetSize(%d)", n), Err: ErrInvalidSize}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.size.Store(int64(n))
	for more := min(n-p.running, len(p.queue)); more > 0; more-- {
		p.running++
		go p.worker()
	}
	return nil
}

// Len returns how many functions are queued or running (one that returned no longer counts,
// even before its result is delivered); 0 for a nil pool. Goroutine-safe.
func (p *ThreadPool) Len() int {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue) + p.busy
}

// Close refuses new work and fails the queued work with ErrClosed; functions already running
// finish on their workers (a goroutine cannot be interrupted) and their results are delivered.
// Closing a closed pool returns ErrClosed. Goroutine-safe, so a pool can be closed after its hub
// was destroyed.
func (p *ThreadPool) Close() error {
	if p == nil {
		return &Error{Op: "ThreadPool.Close", Err: scheduler.ErrNilArgument}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return &Error{Op: "ThreadPool.Close", Err: ErrClosed}
	}
	p.closed = true
	for _, j := range p.queue {
		j.run(ErrClosed) // runs no function
		j.deliver()
	}
	p.deliveredLocked(len(p.queue))
	p.queue = nil
	return nil
}

// deliveredLocked records that n accepted calls have just posted their results, under p.mu
// (a worker posts and counts under the same hold, from its defer for a call that ended it with
// runtime.Goexit: a result is counted once it is posted, never before, which is what Join's
// order needs). Once no accepted call is left
// undelivered it wakes the greenlets blocked in Join with a Post of their hub, which runs after
// every result posted before, so that each Result is ready when Join returns; the count of
// posted results goes with it, for Join's idle check. A destroyed hub refuses the Post: its
// joiners were killed.
func (p *ThreadPool) deliveredLocked(n int) {
	p.undelivered -= n
	p.posted += uint64(n)
	if p.undelivered > 0 || len(p.joiners) == 0 {
		return
	}
	posted := p.posted
	for _, w := range p.joiners {
		_ = w.Hub().Post(func() { w.Switch(posted) })
	}
	clear(p.joiners)
	p.joiners = p.joiners[:0]
}

// Join blocks the calling greenlet until the pool has no work left or ctx ends (gevent's join).
func (p *ThreadPool) Join(ctx context.Context) error {
	const op = "ThreadPool.Join"
	if ctx == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := p.check(op, true)
	if err != nil {
		return err
	}
	for {
		w, err := p.joinWaiter(ctx, h, op)
		if w == nil {
			return err
		}
		release, _ := h.KeepAlive() // checked above, so not refused; the calls of a destroyed hub hold none on h
		v, err := w.Get(ctx)
		release()
		if err != nil {
			p.forget(w)
			return waitErr(op, ctx, err)
		}
		if posted, ok := v.(uint64); ok {
			p.ran = max(p.ran, posted) // every result posted by then ran, or was refused
		}
	}
}

// joinWaiter returns nil and Join's outcome when the pool is idle (every accepted call posted
// its result and the hub ran them all) or ctx is done, else a waiter for Join: registered for the
// last delivery's wake-up, or, when every result is posted but some may not have run yet, woken
// by a Post of its own, which runs after them.
func (p *ThreadPool) joinWaiter(ctx context.Context, h *scheduler.Hub, op string) (*scheduler.Waiter, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.undelivered == 0 && p.posted == p.ran {
		return nil, nil
	}
	if err := scheduler.ContextError(ctx); err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	w := scheduler.NewWaiter(op)
	if p.undelivered > 0 {
		p.joiners = append(p.joiners, w)
		return w, nil
	}
	posted := p.posted
	_ = h.Post(func() { w.Switch(posted) })
	return w, nil
}

// forget removes the waiter of a Join that stopped waiting, unless a wake-up took it already.
func (p *ThreadPool) forget(w *scheduler.Waiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, j := range p.joiners {
		if j == w {
			p.joiners = append(p.joiners[:i], p.joiners[i+1:]...)
			return
		}
	}
}

// submit queues j and starts a worker if the pool has room; false when the pool is closed.
func (p *ThreadPool) submit(j job) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.queue = append(p.queue, j)
	p.undelivered++
	if p.running < p.Size() {
		p.running++
		go p.worker()
	}
	return true
}

func (p *ThreadPool) worker() {
	var inJob job // the job running, while it runs
	defer func() {
		if inJob == nil {
			return
		}
		// runtime.Goexit in a function (t.FailNow, say) ends this goroutine
		// past every recover; the job recorded that. Deliver it after busy--,
		// as below, and hand the queue to a new worker so that the pool keeps
		// its size.
		p.mu.Lock()
		p.busy--
		inJob.deliver()
		p.deliveredLocked(1)
		if len(p.queue) > 0 && !p.closed { // beyond a shrunk Size the new worker ends at once
			go p.worker()
		} else {
			p.running--
		}
		p.mu.Unlock()
	}()
	p.mu.Lock()
	for {
		if len(p.queue) == 0 || p.closed || p.running > p.Size() { // SetSize shrank the pool
			p.running--
			p.mu.Unlock()
			return
		}
		j := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.busy++
		p.mu.Unlock()
		inJob = j
		j.run(nil)
		inJob = nil
		p.mu.Lock() // held on to take the next job
		p.busy--
		j.deliver() // after busy--: once posted the caller may return, and Len must not count fn then
		p.deliveredLocked(1)
	}
}

// abandon is the skip condition of the calls of a caller that can give up on them (Apply, Map,
// an iteration): once it gave up, or its context is done, a call that has not started on a
// worker yet is skipped and fn never runs for it.
type abandon struct {
	ctx  context.Context // nil: no context
	gone atomic.Bool
}

func (a *abandon) skip() error {
	if a.gone.Load() {
		return errStopped
	}
	if a.ctx != nil {
		return scheduler.ContextError(a.ctx)
	}
	return nil
}

// start queues fn on p for the greenlets of h, which the caller already checked, and returns its
// Result: pending, or ready at once with ErrClosed when the pool is closed. The hub's loop stays
// alive until the result is delivered. skip, when not nil, decides on the worker before fn runs
// whether the call was abandoned.
func start[T any](p *ThreadPool, h *scheduler.Hub, op string, fn func() (T, error), skip *abandon) *Result[T] {
	c := &poolCall[T]{p: p, h: h, op: op, fn: fn, skip: skip, r: pending[T](h, op)}
	c.release, _ = h.KeepAlive() // the caller checked h: cannot be refused
	if !p.submit(c) {
		c.release()
		c.r.set(c.r.v, &Error{Op: op, Err: ErrClosed})
	}
	return c.r
}

// poolCall is the job of one call start queued: what it runs, and its outcome once it ran (one
// allocation for what closures over the call, its outcome and its delivery took five).
type poolCall[T any] struct {
	p       *ThreadPool
	h       *scheduler.Hub
	op      string
	fn      func() (T, error)
	skip    *abandon
	r       *Result[T]
	release func()
	v       T
	err     error
}

// run runs fn on a worker, unless refused is set or the call is to be skipped: then the
// outcome is that error.
func (c *poolCall[T]) run(refused error) {
	c.err = refused
	returned := false
	defer func() {
		if !returned { // fn called runtime.Goexit, which ends the worker past every recover
			c.err = &scheduler.PanicError{Value: scheduler.ErrGoexit, Stack: debug.Stack()}
			// The worker's defer delivers it, once the call no longer counts as busy.
		}
	}()
	if c.err == nil && c.h.Destroyed() {
		// Nothing can deliver or collect the result any more: a call still queued when its
		// hub was destroyed never runs, whoever queued it.
		c.err = scheduler.ErrHubDestroyed
	}
	if c.err == nil && c.skip != nil {
		c.err = c.skip.skip()
	}
	if c.err != nil {
		c.err = &Error{Op: c.op, Err: c.err}
	} else {
		c.v, c.err = call(c.fn)
	}
	returned = true
}

// deliver posts the outcome to the hub (a destroyed hub refuses it: its waiters were killed).
func (c *poolCall[T]) deliver() { _ = c.h.Post(c.complete) }

// complete hands the outcome to the Result, on the hub.
func (c *poolCall[T]) complete() {
	c.p.ran++
	c.release()
	c.r.set(c.v, c.err)
}

// call runs fn, turning a panic into a *scheduler.PanicError that carries fn's stack (a
// runtime.Goexit in fn is start's to report).
func call[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = &scheduler.PanicError{Value: x, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// Spawn queues fn to run on a worker and returns its Result at once (gevent's
// threadpool.spawn); it never blocks. The hub's loop stays alive until the result is delivered.
// fn's error, or a panic of fn (or its runtime.Goexit, as scheduler.ErrGoexit) as a
// *scheduler.PanicError with fn's stack, is the Result's error.
// Called from a goroutine that is not a greenlet of the pool's hub, it runs nothing and the
// Result is ready at once with an error matching scheduler.ErrNotGreenlet
// (scheduler.ErrHubDestroyed once the hub is destroyed); a nil pool or fn gives
// scheduler.ErrNilArgument and a closed pool ErrClosed, the same way.
func Spawn[T any](p *ThreadPool, fn func() (T, error)) *Result[T] {
	h, err := p.check("Spawn", false)
	if err != nil {
		return refused[T](err)
	}
	if fn == nil {
		return refused[T](&Error{Op: "Spawn", Err: scheduler.ErrNilArgument})
	}
	return start(p, h, "Spawn", fn, nil)
}

// pending returns a Result to be delivered on h; the caller is a greenlet of h.
func pending[T any](h *scheduler.Hub, op string) *Result[T] {
	r := &Result[T]{origin: h, op: op}
	_ = r.links.Check(op) // binds r to the caller's hub, h
	return r
}

// refused returns a Result that is ready at once with err.
func refused[T any](err error) *Result[T] {
	r := &Result[T]{err: err}
	r.done.Store(true)
	return r
}

// Apply runs fn on a worker and blocks the calling greenlet (only) until it returns or ctx is
// done (gevent's threadpool.apply). It returns fn's value and error (a panic of fn as a
// *scheduler.PanicError with fn's stack), or the wait's own error in an *Error naming Apply:
// scheduler.ContextError's when ctx ends first, what is thrown into the greenlet meanwhile
// (Kill, a Timeout). fn is not
// interrupted when the wait ends early (a goroutine cannot be): give it ctx if it can stop; but
// when it has not started on a worker by then it is skipped. Refused like Spawn, and from the
// hub greenlet itself, where it could not wait; a nil ctx is scheduler.ErrNilArgument.
func Apply[T any](ctx context.Context, p *ThreadPool, fn func() (T, error)) (T, error) {
	return apply(ctx, "Apply", p, fn)
}

// apply is Apply with its errors named op.
func apply[T any](ctx context.Context, op string, p *ThreadPool, fn func() (T, error)) (T, error) {
	var zero T
	if ctx == nil || fn == nil {
		return zero, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := p.check(op, true)
	if err != nil {
		return zero, err
	}
	if err := p.refusal(ctx); err != nil {
		return zero, &Error{Op: op, Err: err}
	}
	a := &abandon{ctx: ctx}
	defer a.gone.Store(true)
	return start(p, h, op, fn, a).get(ctx, op)
}

// refusal is the cause Apply and Map refuse with before they start anything: ctx's end, or
// ErrClosed when the pool is closed too, as Spawn refuses, whatever the context (the lock is
// taken only once ctx has ended; a live ctx leaves the closed pool to start's refusal).
func (p *ThreadPool) refusal(ctx context.Context) error {
	err := scheduler.ContextError(ctx)
	if err != nil && p.isClosed() {
		return ErrClosed
	}
	return err
}

// Map runs fn on every item on the pool's workers and returns the results in the order of
// items (gevent's threadpool.map). It returns the first error in item order, with the results
// before it, or the wait's own error as Apply does; the calls that have not started on a worker
// when it returns early are skipped. Refused as Apply is.
func Map[In, Out any](ctx context.Context, p *ThreadPool, fn func(In) (Out, error), items []In) ([]Out, error) {
	return mapAll(ctx, "Map", p, fn, items)
}

// mapAll is Map with its errors named op.
func mapAll[In, Out any](ctx context.Context, op string, p *ThreadPool, fn func(In) (Out, error), items []In) ([]Out, error) {
	if ctx == nil || fn == nil {
		return nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := p.check(op, true)
	if err != nil {
		return nil, err
	}
	if err := p.refusal(ctx); err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	if len(items) == 0 && p.isClosed() {
		// No start to refuse it: refused as with items, as Apply is.
		return nil, &Error{Op: op, Err: ErrClosed}
	}
	a := &abandon{ctx: ctx}
	defer a.gone.Store(true)
	rs := make([]*Result[Out], len(items))
	for i, it := range items {
		rs[i] = start(p, h, op, func() (Out, error) { return fn(it) }, a)
	}
	out := make([]Out, len(items))
	for i, r := range rs {
		v, err := r.get(ctx, op)
		if err != nil {
			return out[:i], err
		}
		out[i] = v
	}
	return out, nil
}

// Result is the pending outcome of a function spawned on a pool (gevent's AsyncResult as the
// pool returns it). It is a scheduler.Linkable, so scheduler.Wait and IWait take it.
//
// Ready, Successful, Value, Err, TryGet, and Get of a ready Result are goroutine-safe; Get of a
// pending Result, Rawlink and Unlink are hub-affine.
type Result[T any] struct {
	origin *scheduler.Hub // the hub it is delivered on; nil for a Result refused at once
	op     string         // the call that made it, for the error of an orphaned Result
	done   atomic.Bool    // v and err are written before it is set, and never after
	v      T
	err    error
	links  event.Links
}

var _ scheduler.Linkable = (*Result[int])(nil)

// set delivers the outcome on the hub and runs the links.
func (r *Result[T]) set(v T, err error) {
	r.v, r.err = v, err
	r.done.Store(true)
	r.links.CheckAndNotify(r)
}

// Ready reports whether the function returned (or the call was refused).
func (r *Result[T]) Ready() bool { return r != nil && r.done.Load() }

// Hub returns the live hub the result is bound to (nil for a Result refused outside a greenlet
// until a greenlet links to it); scheduler.IWait uses it to refuse waiting on it from another hub.
func (r *Result[T]) Hub() *scheduler.Hub {
	if r == nil {
		return nil
	}
	return r.links.Hub()
}

// Successful reports whether the function returned without an error.
func (r *Result[T]) Successful() bool { return r.Ready() && r.err == nil }

// Value returns the function's value (the zero value before it is ready).
func (r *Result[T]) Value() T {
	if !r.Ready() {
		var zero T
		return zero
	}
	return r.v
}

// Err returns the function's error (nil before it is ready).
func (r *Result[T]) Err() error {
	if !r.Ready() {
		return nil
	}
	return r.err
}

// Rawlink calls fn on the hub once the result is ready. Hub-affine: from a goroutine that is not
// a greenlet of the result's hub it registers nothing and returns 0. A Result left pending by a
// destroyed hub binds to the next hub that links to it, and is then ready at once with an error
// matching scheduler.ErrHubDestroyed, so that scheduler.Wait and IWait do not wait for it.
func (r *Result[T]) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	if r == nil {
		return 0
	}
	if fn != nil && r.links.Check("Result.Rawlink") == nil {
		r.orphan()
	}
	return r.links.Rawlink(r, fn)
}

// orphan makes a Result that its destroyed hub left pending ready with ErrHubDestroyed: nothing
// can deliver it any more (that hub's Post refuses, its posted functions were dropped). The
// caller owns r's links, so that Destroy has returned (or the caller is one of its dying
// greenlets) and nothing else writes r.
func (r *Result[T]) orphan() {
	if !r.Ready() && r.origin != nil && r.origin.Destroyed() {
		r.err = &Error{Op: r.op, Err: scheduler.ErrHubDestroyed}
		r.done.Store(true)
	}
}

// Unlink removes a link; unknown ids are ignored, as is a call from a goroutine that is not a
// greenlet of the result's hub.
func (r *Result[T]) Unlink(id scheduler.LinkID) {
	if r != nil {
		r.links.Unlink(id)
	}
}

// Get blocks the calling greenlet until the result is ready or ctx is done and returns the
// function's value and error. When the wait ends first it returns its own error in an *Error naming
// Result.Get: scheduler.ContextError's when ctx ended, or what was thrown into the greenlet (Kill,
// a Timeout); the function's result stays in the Result for a later Get. From a goroutine that is
// not a greenlet of the result's hub, or from the hub greenlet, a pending Result gives an error
// matching scheduler.ErrNotGreenlet; once its hub is destroyed, scheduler.ErrHubDestroyed, and a
// greenlet of another hub takes the Result over, which is then ready with that error (see the
// package doc).
func (r *Result[T]) Get(ctx context.Context) (T, error) {
	if r == nil || ctx == nil {
		var zero T
		return zero, &Error{Op: "Result.Get", Err: scheduler.ErrNilArgument}
	}
	return r.get(ctx, "Result.Get")
}

// get is Get with the errors of the wait named op.
func (r *Result[T]) get(ctx context.Context, op string) (T, error) {
	var zero T
	if r.Ready() {
		return r.v, r.err
	}
	// One decision, in the links' binding, with no window after it: the links pass to the
	// caller's hub only once the origin hub's Destroy has returned (scheduler.Binding), and then
	// orphan makes r ready, since nothing can deliver it any more; otherwise the caller is a
	// running greenlet of the live origin, whose Destroy cannot start before the caller's link is
	// registered and kills the wait if it comes. (A check of origin.Destroyed() before the wait
	// left a window: a Destroy that started and ended just after it let the wait rebind the links
	// to the caller's hub and wait there for ever.)
	if err := r.links.Check(op); err != nil {
		if r.origin != nil && r.origin.Destroyed() {
			err = scheduler.ErrHubDestroyed // a plain goroutine cannot take r over
		}
		return zero, waitErr(op, ctx, err)
	}
	r.orphan()
	if r.Ready() {
		return r.v, r.err
	}
	if err := r.links.WaitCore(ctx, r, op); err != nil {
		return zero, waitErr(op, ctx, err)
	}
	if !r.Ready() {
		return zero, &Error{Op: op, Err: scheduler.ErrNotReady}
	}
	return r.v, r.err
}

// TryGet returns the function's value and error if the result is ready, else an error matching
// scheduler.ErrNotReady; it never waits.
func (r *Result[T]) TryGet() (T, error) {
	if r.Ready() {
		return r.v, r.err
	}
	var zero T
	if r == nil {
		return zero, &Error{Op: "Result.TryGet", Err: scheduler.ErrNilArgument}
	}
	return zero, &Error{Op: "Result.TryGet", Err: scheduler.ErrNotReady}
}
