package cev

// #include "cev.h"
import "C"

import (
	"math"
	"math/bits"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"unsafe"
)

// Loop is a libev event loop created with ev_loop_new (ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS). It is loop-affine: call its methods, and those
// of its watchers, only from the goroutine running it (Async.Send excepted).
//
// A nil or zero-value Loop (not made by NewLoop) makes every method with an
// error result return ErrInvalid, a destroyed one ErrClosed; the getters
// then return their zero value.
type Loop struct {
	c *C.cev_loop

	slots   []*watcher // slot -> watcher; watcher->data in C holds the slot
	slotGen []uint32   // first generation of the next watcher in a slot
	free    []uint32

	// Go's copy of libev's pending stacks (ev_invoke_pending): callbacks
	// run from here so feeds, stops and clears from callbacks act as in C.
	pend     [numPri][]pendEntry
	pendmask uint8 // bit p: pend[p] is not empty

	depth       int
	loopDone    int
	dispatching int
	// fed: a feed went onto libev's own pending stacks (outside dispatch),
	// to be invoked at the next Run's entry, before the prepare watchers.
	fed  bool
	bufs [][]C.cev_event // per Run depth, a copy of the C queue

	wakeW *watcher // stands for the internal ev_async on the pending stacks

	// runnable reads the runtime's count of runnable goroutines before a
	// poll that would wait (yieldBeforeWait); one per loop, as
	// metrics.Read writes into it. yields counts the Goscheds made.
	runnable [1]metrics.Sample
	yields   uint64

	// sendMu lets Async.Send (any goroutine) and the signal goroutines use
	// the C loop without racing with Destroy and Close.
	sendMu sync.RWMutex
	closed bool // guarded by sendMu for writers; read freely on the loop goroutine
	// destroying: Destroy is running the cleanup callbacks; watchers keep
	// reporting libev's active state, which ev_loop_destroy has not reset.
	destroying bool

	sig sigState
}

type pendEntry struct {
	w       *watcher
	gen     uint32
	revents int
}

// LoopOption sets part of ev_loop_new's flags argument for NewLoop (ev.pod,
// FUNCTIONS CONTROLLING EVENT LOOPS).
type LoopOption func(*loopConfig)

type loopConfig struct {
	flags   uint
	backend uint
}

// WithBackend selects the backends libev may use (EVBACKEND_SELECT,
// EVBACKEND_POLL, EVBACKEND_EPOLL, EVBACKEND_IOURING, or an OR of them):
// the EVBACKEND_* bits of ev_loop_new's flags (ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS). Without it libev picks from its recommended
// backends. The LIBEV_FLAGS environment variable is never consulted.
func WithBackend(backend uint) LoopOption {
	return func(c *loopConfig) { c.backend |= backend }
}

// WithFlags adds EVFLAG_* flags (EVFLAG_FORKCHECK, EVFLAG_NOINOTIFY,
// EVFLAG_NOTIMERFD) to ev_loop_new's flags (ev.pod, FUNCTIONS CONTROLLING
// EVENT LOOPS).
func WithFlags(flags uint) LoopOption {
	return func(c *loopConfig) { c.flags |= flags }
}

// NewLoop creates a loop with ev_loop_new(EVFLAG_NOENV|EVFLAG_NOSIGMASK|...)
// (ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS): never ev_default_loop, which
// would take SIGCHLD from Go. Call Destroy when done. It returns ErrVersion
// when the libev linked into the process is older than, or of another major
// version than, the ev.h cev was compiled against (see Version).
func NewLoop(opts ...LoopOption) (*Loop, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	var cfg loopConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.flags&^knownLoopFlagBits != 0 {
		return nil, errf("NewLoop", ErrInvalid, "unknown flags %#x", cfg.flags&^knownLoopFlagBits)
	}
	if cfg.backend&^EVBACKEND_ALL != 0 {
		return nil, errf("NewLoop", ErrInvalid, "unknown backend %#x", cfg.backend)
	}
	if cfg.backend != 0 && cfg.backend&uint(C.cev_supported_backends()) == 0 {
		return nil, errf("NewLoop", ErrNotSupported, "backend %#x not supported by this libev", cfg.backend)
	}
	c := C.cev_loop_new(C.uint(cfg.flags | cfg.backend))
	if c == nil {
		return nil, errf("NewLoop", ErrNotSupported, "ev_loop_new failed for flags %#x", cfg.flags|cfg.backend)
	}
	l := &Loop{c: c}
	l.runnable[0].Name = "/sched/goroutines/runnable:goroutines"
	l.wakeW = &watcher{loop: l, pri: EV_MAXPRI, fire: l.handleWake}
	l.sig.init()
	return l, nil
}

// check is the receiver check of every Loop method with an error result;
// the fast path is three loads and no call.
func (l *Loop) check(op string) error {
	if l != nil && l.c != nil && !l.closed {
		return nil
	}
	return l.badReceiver(op)
}

//go:noinline
func (l *Loop) badReceiver(op string) error {
	switch {
	case l == nil:
		return errf(op, ErrInvalid, "nil Loop")
	case l.closed:
		return errf(op, ErrClosed, "loop destroyed")
	default:
		return errf(op, ErrInvalid, "zero-value Loop (create it with NewLoop)")
	}
}

// live reports whether a getter may read the loop's C state.
// ref is l.c as an integer, for the calls that skip cgo's pointer check
// (cev_run_r...): it points to C memory, which the GC never moves or frees.
func (l *Loop) ref() C.uintptr_t { return C.uintptr_t(uintptr(unsafe.Pointer(l.c))) }

func (l *Loop) live() bool { return l != nil && l.c != nil && !l.closed }

// Destroy stops and frees every watcher of the loop and the loop itself
// (ev_loop_destroy; ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS). Cleanup
// watchers' callbacks run during Destroy, as in libev; the loop is already
// closed for them (calls return ErrClosed) but IsActive still reports what
// it did before Destroy, as libev's watchers are still active when
// ev_loop_destroy invokes cleanup watchers. A cleanup callback that panics
// or calls runtime.Goexit ends the cleanups (the cleanup callbacks after it
// do not run), but not the destruction: every watcher and the loop are
// freed before the panic or the Goexit goes on, and the loop is destroyed.
// Destroying a destroyed loop returns ErrClosed; destroying a loop from
// inside one of its callbacks returns ErrInvalid.
func (l *Loop) Destroy() error {
	if err := l.check("Loop.Destroy"); err != nil {
		return err
	}
	if l.depth > 0 || l.dispatching > 0 {
		return errf("Loop.Destroy", ErrInvalid, "called from a callback of the running loop")
	}
	for _, w := range l.slots {
		if w != nil && (w.kind == C.CEV_SIGNAL || w.kind == C.CEV_CHILD) {
			_ = w.stop("Loop.Destroy")
		}
	}
	l.sig.stopAll()

	l.sendMu.Lock()
	l.closed = true
	l.sendMu.Unlock()

	for i := range l.pend {
		clear(l.pend[i])
		l.pend[i] = l.pend[i][:0]
	}
	l.pendmask = 0
	C.cev_loop_destroy(l.c)
	l.destroying = true
	// Deferred: a cleanup callback that escapes unwinds through here.
	defer l.freeAll()
	l.drainQueue() // cleanup watchers
	return nil
}

// freeAll is the end of Destroy, once the cleanup watchers' callbacks ran or
// one of them escaped (leaving the rest of its batch pending): it frees
// every watcher and the loop.
func (l *Loop) freeAll() {
	l.destroying = false
	l.dispatching = 0
	for i := range l.pend {
		clear(l.pend[i])
		l.pend[i] = l.pend[i][:0]
	}
	l.pendmask = 0
	for i, w := range l.slots {
		if w != nil {
			C.cev_watcher_free(w.c)
			w.c = nil
			w.closed = true
			l.slots[i] = nil
		}
	}
	C.cev_loop_free(l.c)
	l.c = nil
}

// yieldBeforeWait yields the thread (runtime.Gosched) when goroutines are
// runnable. A goroutine a callback readied (a channel send, an unlock) sits
// in this P's run queue, and the cgo call that waits in epoll_wait keeps
// the P: the goroutine would wait for another thread to steal it, or for
// sysmon to take the P, a futex wake or more (docs/performance.md). The
// embedded libev says exactly when its poll will wait; the system's only
// that it may (cev_may_block). It yields a second time if goroutines are
// still runnable: one schedule in 61 takes the global run queue, where
// Gosched put the loop, before the local one.
func (l *Loop) yieldBeforeWait() {
	s := l.runnable[:]
	for range 2 {
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindUint64 || s[0].Value.Uint64() == 0 {
			return
		}
		l.yields++
		runtime.Gosched()
	}
}

// Run runs the loop (ev_run; ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS):
// flags 0 runs until no active watchers
// are left or Break is called, EVRUN_ONCE runs one iteration waiting for
// events, EVRUN_NOWAIT one iteration without waiting. It returns whether
// watchers are still active (libev returns its activecnt: ActiveCount has
// the count, read after the Go dispatch like this bool). Each iteration
// is one ev_run(EVRUN_ONCE or EVRUN_NOWAIT) cgo call followed by the Go
// dispatch of the callbacks it queued; before an iteration that would wait
// for events, Run first lets runnable goroutines run (runtime.Gosched), so
// a goroutine a callback woke does not wait for the loop's poll to end
// (the system's libev does not show its timers, so there Run also asks
// before an iteration that a timer already due keeps from waiting).
func (l *Loop) Run(flags int) (bool, error) {
	if err := l.check("Loop.Run"); err != nil {
		return false, err
	}
	if flags&^(EVRUN_NOWAIT|EVRUN_ONCE) != 0 {
		return false, errf("Loop.Run", ErrInvalid, "flags %#x", flags)
	}
	// A panicking callback unwinds through Run: restore the counters so
	// the loop stays usable (what was pending stays pending, as in libev).
	// The later batches of the same ev_run are dropped: there are such
	// batches only before the poll (the fork watchers', then the prepare
	// watchers'), and the next ev_run queues them again, as libev does
	// after a C++ exception (it queues each once the one before returned).
	saved := l.dispatching
	l.depth++
	defer func() { l.depth--; l.dispatching = saved }()
	l.loopDone = EVBREAK_CANCEL
	// As ev_run does on entry: what an outer Run left pending runs first.
	l.dispatching++
	l.invokePending()
	l.dispatching--
	// ev_run's own entry EV_INVOKE_PENDING would only queue the fed events
	// and go on to queue the prepare watchers as they were before those
	// callbacks ran; a fed callback that starts or restarts a prepare (or
	// fork) watcher must see it run before this iteration's poll, as in C.
	if l.fed {
		l.fed = false
		C.cev_invoke_fed(l.c)
		l.drainQueue()
		if l.closed {
			return false, nil
		}
		if l.loopDone != EVBREAK_CANCEL {
			l.c.entry_break = 1
		}
	}

	cflags := C.int(EVRUN_ONCE | flags&EVRUN_NOWAIT)
	resume := C.int(0)
	ask := C.int(1)
	for !l.closed {
		if ask != 0 && l.c.mayblock != 0 && flags&EVRUN_NOWAIT == 0 {
			// The last poll could wait, so this one most likely can too:
			// yield now rather than ask, a cgo call that would return
			// without running. A wrong guess costs one runtime/metrics read.
			l.yieldBeforeWait()
			ask = 0
		}
		if C.cev_run_r(l.ref(), cflags, resume, ask) != 0 {
			// The poll would wait, inside a cgo call that keeps this
			// thread's P: let runnable goroutines have it first.
			l.yieldBeforeWait()
			ask = 0
			continue
		}
		ask = 1
		l.drainQueue()
		if l.closed {
			break
		}
		if l.c.prepoll != 0 {
			// Prepare (or earlier pending) callbacks have run; the
			// iteration continues with the poll unless they broke it.
			if l.loopDone != EVBREAK_CANCEL {
				break
			}
			resume = 1
			continue
		}
		resume = 0
		if l.c.activecnt == 0 || l.loopDone != EVBREAK_CANCEL || flags&(EVRUN_ONCE|EVRUN_NOWAIT) != 0 {
			break
		}
	}
	if l.closed {
		return false, nil
	}
	if l.loopDone == EVBREAK_ONE {
		l.loopDone = EVBREAK_CANCEL
	}
	return l.c.activecnt != 0, nil
}

// ActiveCount returns libev's activecnt as ev_run would return it: the
// number of active watchers plus Ref calls minus Unref calls. libev has no
// function for it; ev_run's result and ev_ref/ev_unref define it (ev.pod,
// FUNCTIONS CONTROLLING EVENT LOOPS). It is up to date at any time on the
// loop goroutine, including after Run's Go dispatch, so a callback that
// started or stopped watchers is counted; Run's bool is ActiveCount() != 0.
// It costs no cgo call and returns 0 for a nil or destroyed loop.
func (l *Loop) ActiveCount() int {
	if !l.live() {
		return 0
	}
	return int(l.c.activecnt)
}

// WatcherCount returns the number of watchers created on the loop and not
// yet Closed, active or not. It is a Go addition with no libev counterpart:
// each watcher holds C memory that Go's MemStats do not see, so a count
// that keeps growing is a watcher leak. It returns 0 for a nil loop and
// after Destroy, which frees them all.
func (l *Loop) WatcherCount() int {
	if !l.live() {
		return 0
	}
	return len(l.slots) - len(l.free)
}

// drainQueue moves what the C callbacks queued onto the pending stacks, one
// ev_invoke_pending batch at a time, and runs the callbacks.
func (l *Loop) drainQueue() {
	n := int(l.c.qlen)
	if n == 0 {
		return
	}
	buf := unsafe.Slice(l.c.q, n)
	if sep := slices.IndexFunc(buf, isSep); sep >= 0 && sep < n-1 {
		// Several batches: a nested Run from a callback of one reuses the C
		// queue, so copy the queue first. A single batch is read whole
		// onto the pending stacks before any of its callbacks runs.
		for len(l.bufs) <= l.depth {
			l.bufs = append(l.bufs, nil)
		}
		buf = append(l.bufs[l.depth][:0], buf...)
		l.bufs[l.depth] = buf
	}
	l.c.qlen = 0
	l.dispatching++
	start := 0
	for i := range buf {
		if buf[i].slot == C.CEV_SLOT_SEP {
			l.runBatch(buf[start:i])
			start = i + 1
		}
	}
	if start < len(buf) {
		l.runBatch(buf[start:])
	}
	l.dispatching--
}

func isSep(e C.cev_event) bool { return e.slot == C.CEV_SLOT_SEP }

// runBatch runs one ev_invoke_pending batch. A batch of one event with
// nothing pending, the common iteration, runs its callback directly: the
// push onto a pending stack and the pop would only hand it back.
func (l *Loop) runBatch(b []C.cev_event) {
	if len(b) == 1 && l.pendmask == 0 {
		if w := l.resolve(&b[0]); w != nil {
			w.fire(int(b[0].revents))
		}
	} else {
		l.loadBatch(b)
	}
	l.invokePending()
}

// resolve returns the watcher a queued event is for, or nil when it was
// closed or stopped (its generation moved on) since C queued it.
func (l *Loop) resolve(e *C.cev_event) *watcher {
	var w *watcher
	if e.slot == C.CEV_SLOT_WAKE {
		w = l.wakeW
	} else if int(e.slot) < len(l.slots) {
		w = l.slots[e.slot]
	}
	if w == nil || (w.c != nil && uint32(e.gen) != uint32(w.c.gen)) {
		return nil
	}
	return w
}

// loadBatch pushes one ev_invoke_pending batch so that popping the stacks
// yields the batch's order (libev's order).
func (l *Loop) loadBatch(b []C.cev_event) {
	// Grow the default priority's stack once for the whole batch, not by
	// doubling: a burst of expiries would otherwise copy and fault in about
	// twice the stack's final size.
	if d := &l.pend[-EV_MINPRI]; cap(*d)-len(*d) < len(b) {
		*d = slices.Grow(*d, len(b))
	}
	for i := len(b) - 1; i >= 0; i-- {
		if w := l.resolve(&b[i]); w != nil {
			l.feed(w, uint32(b[i].gen), int(b[i].revents))
		}
	}
}

// feed is ev_feed_event on Go's pending stacks.
func (l *Loop) feed(w *watcher, gen uint32, revents int) {
	p := w.pri - EV_MINPRI
	if w.pending != 0 {
		l.pend[p][w.pending-1].revents |= revents
	} else {
		l.pend[p] = append(l.pend[p], pendEntry{w: w, gen: gen, revents: revents})
		w.pending = len(l.pend[p])
		l.pendmask |= 1 << p
	}
}

// invokePending is ev_invoke_pending on Go's pending stacks: it always pops
// the highest priority's stack that is not empty, which is where libev's
// loop goes too, since a feed from a callback sends it back to the top.
func (l *Loop) invokePending() {
	for l.pendmask != 0 {
		p := bits.Len8(l.pendmask) - 1
		s := l.pend[p]
		n := len(s)
		e := s[n-1]
		s[n-1] = pendEntry{}
		l.pend[p] = s[:n-1]
		if n == 1 {
			l.pendmask &^= 1 << p
		}
		if e.w == nil {
			continue // cleared (ev_clear_pending)
		}
		e.w.pending = 0
		if e.w.c != nil && e.gen != uint32(e.w.c.gen) {
			continue
		}
		e.w.fire(e.revents)
	}
}

// slotDropped marks a queued event ClearPending dropped: no watcher has
// the slot, so resolve finds none.
const slotDropped = C.CEV_SLOT_WAKE - 1

// ClearPending drops every event queued for dispatch without running its
// callback: what each watcher's ClearPending would drop (ev_clear_pending;
// ev.pod, ANATOMY OF A WATCHER / GENERIC WATCHER FUNCTIONS), on Go's
// pending stacks and libev's, and also the events of the batches Run has
// yet to dispatch, which a watcher's ClearPending does not reach. libev has
// no call for the whole loop; this one lets the loop's owner stop the
// dispatch before it tears down what the callbacks use. A callback running
// when it is called finishes; the watchers stay as they are (an active one
// fires at its next event), and an event fed or received afterwards is
// dispatched as usual. Signals delivered but not yet fed to their Signal
// watchers are not pending events: they are fed in the loop's next
// iteration. Loop-affine.
func (l *Loop) ClearPending() error {
	if err := l.check("Loop.ClearPending"); err != nil {
		return err
	}
	wake := false
	for p := range l.pend {
		for _, e := range l.pend[p] {
			if e.w != nil {
				e.w.pending = 0
				wake = wake || e.w == l.wakeW
			}
		}
		clear(l.pend[p])
		l.pend[p] = l.pend[p][:0]
	}
	l.pendmask = 0
	// The copies of the C queue that the Runs under way dispatch batch by
	// batch (drainQueue); a single batch is on the stacks already.
	for _, buf := range l.bufs[:min(len(l.bufs), l.depth+1)] {
		for i := range buf {
			wake = wake || buf[i].slot == C.CEV_SLOT_WAKE
			buf[i].slot = slotDropped
		}
	}
	for _, w := range l.slots {
		if w != nil && w.c.pending != 0 {
			C.cev_clear_pending(l.c, w.c)
		}
	}
	if wake {
		// The internal ev_async's event: what it would have fed waits for
		// the next iteration.
		C.cev_wake(l.c)
	}
	return nil
}

// Break makes the innermost Run (EVBREAK_ONE) or all nested Runs
// (EVBREAK_ALL) return after the current callbacks, or cancels a break
// (EVBREAK_CANCEL) (ev_break; ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS).
func (l *Loop) Break(how int) error {
	if err := l.check("Loop.Break"); err != nil {
		return err
	}
	if how < EVBREAK_CANCEL || how > EVBREAK_ALL {
		return errf("Loop.Break", ErrInvalid, "how %d", how)
	}
	l.loopDone = how
	return nil
}

// Now returns the loop's cached time (ev_now; ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS), read from cev's copy without a cgo call; 0 for
// a nil or destroyed loop.
func (l *Loop) Now() float64 {
	if !l.live() {
		return 0
	}
	return float64(l.c.now)
}

// UpdateNow refreshes the loop's time (ev_now_update; ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS).
func (l *Loop) UpdateNow() error {
	if err := l.check("Loop.UpdateNow"); err != nil {
		return err
	}
	C.cev_now_update(l.c)
	return nil
}

// Time returns the current wall-clock time as libev sees it (ev_time;
// ev.pod, GLOBAL FUNCTIONS).
func Time() float64 { return float64(C.cev_time()) }

// Ref and Unref adjust the loop's reference count (ev_ref/ev_unref; ev.pod,
// FUNCTIONS CONTROLLING EVENT LOOPS): an unref'd active watcher does not
// keep Run alive. Neither makes a cgo call: the count goes to libev with
// the loop's next C call (cev_flush), before ev_run can read it.
func (l *Loop) Ref() error {
	if err := l.check("Loop.Ref"); err != nil {
		return err
	}
	l.c.refdelta++
	l.c.activecnt++
	return nil
}

// Unref is ev_unref (ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS); see Ref.
func (l *Loop) Unref() error {
	if err := l.check("Loop.Unref"); err != nil {
		return err
	}
	l.c.refdelta--
	l.c.activecnt--
	return nil
}

// Iteration returns the number of polls so far (ev_iteration; ev.pod,
// FUNCTIONS CONTROLLING EVENT LOOPS), 0 for a nil or destroyed loop.
func (l *Loop) Iteration() uint {
	if !l.live() {
		return 0
	}
	return uint(C.cev_iteration(l.c))
}

// Depth returns how many Runs are active, nested ones included (ev_depth;
// ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS), 0 for a nil or destroyed
// loop. cev counts the nesting itself: callbacks run after ev_run has
// returned, where libev's own ev_depth would read 0.
func (l *Loop) Depth() int {
	if !l.live() {
		return 0
	}
	return l.depth
}

// PendingCount returns the number of pending watchers (ev_pending_count;
// ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS): those libev holds plus those
// queued for Go dispatch. 0 for a nil or destroyed loop.
func (l *Loop) PendingCount() int {
	if !l.live() {
		return 0
	}
	n := int(C.cev_pending_count(l.c))
	for p := range l.pend {
		for _, e := range l.pend[p] {
			if e.w != nil {
				n++
			}
		}
	}
	return n
}

// Backend returns the EVBACKEND_* in use (ev_backend; ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS), 0 for a nil or destroyed loop.
func (l *Loop) Backend() uint {
	if !l.live() {
		return 0
	}
	return uint(C.cev_backend(l.c))
}

// SupportedBackends returns the backends compiled in and usable
// (ev_supported_backends; ev.pod, GLOBAL FUNCTIONS).
func SupportedBackends() uint { return uint(C.cev_supported_backends()) }

// RecommendedBackends returns the backends libev picks by default
// (ev_recommended_backends; ev.pod, GLOBAL FUNCTIONS).
func RecommendedBackends() uint { return uint(C.cev_recommended_backends()) }

// EmbeddableBackends returns the backends whose loop could be embedded in
// another loop (ev_embeddable_backends; ev.pod, GLOBAL FUNCTIONS): epoll
// (on Linux 2.6.32 and later) and io_uring, and, as libev's mask names
// backends this system lacks, kqueue's and port's bits (0x08, 0x20): AND it
// with SupportedBackends for the ones here. Loop embedding itself (ev_embed)
// is not bound.
func EmbeddableBackends() uint { return uint(C.cev_embeddable_backends()) }

// Suspend and Resume bracket a time the loop does not run, so timers do not
// all fire at once after it (ev_suspend/ev_resume; ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS).
func (l *Loop) Suspend() error {
	if err := l.check("Loop.Suspend"); err != nil {
		return err
	}
	C.cev_suspend(l.c)
	return nil
}

// Resume is ev_resume (ev.pod, FUNCTIONS CONTROLLING EVENT LOOPS); see
// Suspend.
func (l *Loop) Resume() error {
	if err := l.check("Loop.Resume"); err != nil {
		return err
	}
	C.cev_resume(l.c)
	return nil
}

func checkTime(op, what string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return errf(op, ErrInvalid, "%s %v must be finite and >= 0", what, v)
	}
	return nil
}

// SetIOCollectInterval lets libev sleep that long between polls so that io
// events arrive in batches (ev_set_io_collect_interval; ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS).
func (l *Loop) SetIOCollectInterval(seconds float64) error {
	if err := l.check("Loop.SetIOCollectInterval"); err != nil {
		return err
	}
	if err := checkTime("Loop.SetIOCollectInterval", "interval", seconds); err != nil {
		return err
	}
	C.cev_set_io_collect_interval(l.c, C.double(seconds))
	return nil
}

// SetTimeoutCollectInterval lets libev delay timeouts that long to batch
// them (ev_set_timeout_collect_interval; ev.pod, FUNCTIONS CONTROLLING
// EVENT LOOPS).
func (l *Loop) SetTimeoutCollectInterval(seconds float64) error {
	if err := l.check("Loop.SetTimeoutCollectInterval"); err != nil {
		return err
	}
	if err := checkTime("Loop.SetTimeoutCollectInterval", "interval", seconds); err != nil {
		return err
	}
	C.cev_set_timeout_collect_interval(l.c, C.double(seconds))
	return nil
}

// Verify checks libev's internal consistency (ev_verify; ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS); libev aborts if it is broken, which would be a
// bug in cev or libev.
func (l *Loop) Verify() error {
	if err := l.check("Loop.Verify"); err != nil {
		return err
	}
	C.cev_verify(l.c)
	return nil
}

// Fork tells libev the process forked (ev_loop_fork; ev.pod, FUNCTIONS
// CONTROLLING EVENT LOOPS): fork watchers run in the next iteration.
func (l *Loop) Fork() error {
	if err := l.check("Loop.Fork"); err != nil {
		return err
	}
	C.cev_loop_fork(l.c)
	return nil
}

// FeedEvent makes w pending with revents as if the event happened
// (ev_feed_event; ev.pod, ANATOMY OF A WATCHER / GENERIC WATCHER
// FUNCTIONS). From a callback the watcher runs in the same dispatch, before
// lower-priority pending watchers, as in libev. A nil watcher (nil
// interface or nil pointer) returns ErrInvalid. revents must be a non-empty
// OR of EV_* event bits (ErrInvalid otherwise): libev would feed any int,
// but 0 would make w pending for no event and other bits are no event
// libev knows, so a callback only sees what libev could deliver.
func (l *Loop) FeedEvent(w Watcher, revents int) error {
	const op = "Loop.FeedEvent"
	if err := l.check(op); err != nil {
		return err
	}
	if w == nil {
		return errf(op, ErrInvalid, "nil watcher")
	}
	b := w.base()
	if err := b.check(op); err != nil {
		return err
	}
	if b.loop != l {
		return errf(op, ErrWrongLoop, "")
	}
	if err := checkRevents(op, revents); err != nil {
		return err
	}
	if l.dispatching > 0 {
		if b.c.pending != 0 {
			// Still on libev's own stacks (fed before a nested Run).
			C.cev_feed_event(l.c, b.c, C.int(revents))
			l.fed = true
			return nil
		}
		l.feed(b, uint32(b.c.gen), revents)
		return nil
	}
	C.cev_feed_event(l.c, b.c, C.int(revents))
	l.fed = true
	return nil
}

// FeedFDEvent feeds revents to every io watcher on fd (ev_feed_fd_event;
// ev.pod, OTHER FUNCTIONS). revents must be EV_READ and/or EV_WRITE, the
// only bits an fd event has.
func (l *Loop) FeedFDEvent(fd int, revents int) error {
	if err := l.check("Loop.FeedFDEvent"); err != nil {
		return err
	}
	if fd < 0 {
		return errf("Loop.FeedFDEvent", ErrBadFD, "fd %d", fd)
	}
	if revents&^(EV_READ|EV_WRITE) != 0 || revents == 0 {
		return errf("Loop.FeedFDEvent", ErrInvalid, "revents %#x (EV_READ|EV_WRITE only)", revents)
	}
	if l.dispatching == 0 {
		C.cev_feed_fd_event(l.c, C.int(fd), C.int(revents), 0)
		l.fed = true
		return nil
	}
	C.cev_feed_fd_event(l.c, C.int(fd), C.int(revents), 1)
	n := int(l.c.qlen)
	q := unsafe.Slice(l.c.q, n)
	// Feed in libev's feed order (the queue is in invocation order).
	for i := n - 1; i >= 0; i-- {
		if int(q[i].slot) < len(l.slots) {
			if w := l.slots[q[i].slot]; w != nil {
				l.feed(w, uint32(w.c.gen), int(q[i].revents))
			}
		}
	}
	l.c.qlen = 0
	return nil
}
