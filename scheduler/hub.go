package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/greenlet"
	"github.com/petermattis/goid"
)

// DefaultSwitchInterval is how long one drain of the callback queue may run
// before the hub polls the loop (gevent uses sys.getswitchinterval()).
const DefaultSwitchInterval = 5 * time.Millisecond

// DefaultBlockingThreshold is how long the hub may go without a switch
// before the blocking detector reports.
const DefaultBlockingThreshold = 100 * time.Millisecond

// callbacksPerIntervalCheck is how many callbacks run between two looks at
// the clock, as in gevent.
const callbacksPerIntervalCheck = 50

// schedYieldInterval is how often (in loop-time seconds) the hub goroutine
// passes through the Go scheduler with runtime.Gosched. Switches between
// greenlets are coroutine switches, which never enter the scheduler, so
// without it the hub goroutine looks to sysmon like one goroutine running on
// the same time slice forever: after 10 ms (forcePreemptNS) sysmon retakes
// the P every time it finds the hub in a syscall or cgo call (ev_run's
// epoll_wait, a read or write) and keeps waking every 20 us to do so. On the
// 50-connection echo benchmark that cost ~1.6k extra nanosleep wake-ups and
// context switches per second and moved the hub between OS threads; a Gosched
// every 4 ms (well under the 10 ms) costs one scheduler pass and lets sysmon
// back off to its idle sleep.
const schedYieldInterval = 0.004

// Stats are the hub's loop statistics.
type Stats struct {
	Iterations       uint64 // loop iterations (one ev_run each)
	Switches         uint64 // switches into the hub
	CallbacksRun     uint64 // run_callback callbacks run
	PendingCallbacks int    // callbacks queued now (stopped ones included until drained)
	LiveGreenlets    int    // started greenlets not yet dead
}

// Hub drives one cev loop on behalf of the goroutine that owns it. Create it
// with NewHub or Main; the zero Hub is not usable.
type Hub struct {
	loop  *cev.Loop
	owner int64 // goid of the owning goroutine (the main greenlet)
	main  *greenlet.Greenlet
	raw   *greenlet.Greenlet // the hub greenlet; parent is main
	mainC *gctx
	hubC  *gctx

	cbs            cbFIFO
	switchInterval atomic.Int64 // nanoseconds; goroutine-safe (SetSwitchInterval)
	threadpoolSize int          // Config.ThreadpoolSize; 0: the thread pool's default

	postMu    sync.Mutex
	done      chan struct{} // closed by Destroy, with postMu held
	finished  chan struct{} // closed when Destroy returns: no greenlet of the hub runs any more
	postQ     []func()
	postSpare []func()
	async     *cev.Async
	keepAlive int // RunBlocking calls in flight: they hold a loop ref

	destroyed atomic.Bool

	timers       []*hubTimer
	timersLow    []*hubTimer // Timeout timers, priority timeoutPriority
	armed        *Timeout    // the armed timeouts, linked by prev and next (endArmed)
	draining     bool        // inside drain: timers started now update the loop time first
	escaped      bool        // something escaped a callback: the loop's next run must not block
	recovered    bool        // drain, callLink or handlePanicUnderGoexit reported a panic and has not returned: see serve
	reporting    bool        // an unguarded report on the hub greenlet is under way (report): see escapeOp
	nilEscape    *Error      // what a recover that returned nil left to report: see stashNil
	switches     uint64      // switches into the hub; hub-affine (Stats)
	callbacksRun uint64

	live     taskList
	pool     workerPool
	nextID   uint64
	handlerV atomic.Value // errorHandler

	wd *watchdog
	// mem is the memory monitor (Config.MaxMemoryUsage), nil when off; the
	// detector's goroutine owns it.
	mem *memoryMonitor
	// loop time of the last runtime.Gosched (see schedYieldInterval).
	lastYield float64
	// running is what the blocking detector watches: see setRunning.
	running atomic.Uint64
	// switchFlags is what every switch looks at after it wrote running
	// (syncReport): flagReporting while the detector delivers a report,
	// flagTracing while an AssertSwitches with a threshold runs. It sits
	// next to running, so loading it costs no miss; only its setters pay a
	// locked instruction.
	switchFlags atomic.Uint32
	// asserts are the AssertSwitches calls with a threshold running now
	// (switchtrace.go); hub-affine.
	asserts []*switchAssert

	// handlerMu serialises the error handler's calls (see SetErrorHandler);
	// handlerOwner is the goid inside it, so that a handler that reports
	// does not wait for itself.
	handlerMu    sync.Mutex
	handlerOwner atomic.Int64
	sysErrs      atomic.Pointer[[]error] // see SetSystemErrors

	// The spawn tree and spawn callbacks (spawntree.go, spawncb.go) and
	// the raw greenlets of SpawnRaw (spawnraw.go), hub-affine but
	// recordStacks.
	recordStacks atomic.Bool
	spawnCBs     []spawnCallback
	spawnCBSeq   SpawnCallbackID
	raws         map[*gctx]struct{}
	rawSeq       uint64

	// labels are the pprof labels of the hub's goroutines and anchor finds
	// its main goroutine, for the detector's stacks (greenletstack.go).
	labels context.Context
	label  string
	anchor mainAnchor
}

// setRunning tells the blocking detector that greenlet c runs now, after
// the hub's switch number h.switches. The switch count (progress) and the
// low 32 bits of c's goroutine id (whom to blame) share one word so that a
// switch costs one locked store per side instead of an atomic add and two
// pointer stores (that was a tenth of a Sleep(0) round trip). The detector
// finds the context back from the goid bits (see watchdog.blame); two live
// greenlets of one hub whose goids differ by a multiple of 2^32 would only
// confuse the name in a report.
func (h *Hub) setRunning(c *gctx) {
	h.running.Store(h.switches<<32 | uint64(uint32(c.goid.Load())))
	h.syncReport()
}

// syncReport follows every store that shows the detector progress: while
// the detector delivers the report of a stall, the greenlet that ends the
// stall waits here until the report is out, so the handler never runs
// alongside the hub's greenlets (see watchdog's stall.report); while an
// AssertSwitches with a threshold runs, the switch is timed. One load of
// a flag word on the line running was just written to; the rest is out of
// line. With it setRunning no longer inlines, so the switch paths
// (switchFrom, Waiter.get, yield) write both out.
func (h *Hub) syncReport() {
	if f := h.switchFlags.Load(); f != 0 {
		h.switchSlow(f)
	}
}

// Bits of Hub.switchFlags.
const (
	flagReporting uint32 = 1 << iota // the detector delivers a report
	flagTracing                      // an AssertSwitches times the switches
)

// switchSlow is syncReport's out-of-line part, when a flag is set. A
// report's delivery, waited for here, is no greenlet's time: the stretch
// that ends at this switch ends before the wait, the next starts after it.
//
//go:noinline
func (h *Hub) switchSlow(f uint32) {
	if f&flagTracing == 0 {
		h.waitReport()
		return
	}
	end := time.Now()
	start := end
	if f&flagReporting != 0 {
		h.waitReport()
		start = time.Now()
	}
	h.traceSwitch(end, start)
}

//go:noinline
func (h *Hub) waitReport() {
	h.handlerMu.Lock()
	//lint:ignore SA2001 an empty critical section: waiting for the holder is the point
	h.handlerMu.Unlock()
}

type errorHandler struct{ fn func(error) }

// NewHub makes the calling goroutine a hub's main greenlet and returns the
// hub: its loop, its hub greenlet and its blocking detector. The goroutine
// owns the hub and must Destroy it; Main does both around a function. It
// returns ErrHubExists when the goroutine already runs a hub (or is a
// greenlet of one), and an error when libev cannot create a loop.
//
// The hub starts with the settings of the environment (see Config and
// EnvLoopBackend); a bad value there is ErrInvalidConfig, and no hub is
// made. Config.NewHub sets them in code.
func NewHub() (*Hub, error) { return Config{}.create("NewHub") }

// create is NewHub with c's settings, its errors naming op (NewHub, Main).
// It is called directly by the functions that create hubs, whose caller's
// frames identify the main goroutine (anchorHere).
func (c Config) create(op string) (*Hub, error) {
	if cur := currentCtx(); cur != nil {
		return nil, opErr(op, ErrHubExists)
	}
	cfg, err := c.resolve()
	if err != nil {
		return nil, opErr(op, err)
	}
	cur := greenlet.Current()
	if _, ok := cur.Main().Value.(*gctx); ok || !cur.IsMain() {
		// A raw greenlet of the goroutine (package greenlet used directly)
		// cannot become a hub's main greenlet.
		return nil, opErr(op, ErrHubExists)
	}
	h, err := newHub(cur, cfg)
	if err != nil {
		return nil, opErr(op, err)
	}
	h.anchor = anchorHere(3)
	return h, nil
}

func newHub(main *greenlet.Greenlet, cfg Config) (*Hub, error) {
	loop, err := cev.NewLoop(cfg.loopOptions()...)
	if err != nil {
		if cfg.Backend|cfg.LoopFlags != 0 && (errors.Is(err, cev.ErrInvalid) || errors.Is(err, cev.ErrNotSupported)) {
			err = fmt.Errorf("%w: backend %#x, flags %#x: %w", ErrInvalidConfig, cfg.Backend, cfg.LoopFlags, err)
		}
		return nil, err
	}
	h := &Hub{loop: loop, owner: main.OwnerGoroutine(), threadpoolSize: cfg.ThreadpoolSize, done: make(chan struct{}), finished: make(chan struct{})}
	h.cbs.owner = h
	h.switchInterval.Store(int64(cfg.SwitchInterval))
	h.recordStacks.Store(cfg.RecordSpawnStacks)
	h.handlerV.Store(errorHandler{defaultErrorHandler})
	h.sysErrs.Store(&defaultSystemErrors)
	h.labels, h.label = profileLabels()
	h.main = main
	h.mainC = &gctx{hub: h, raw: h.main, name: "main"}
	setCtx(h.main, h.mainC)
	h.raw = newRaw(h.main, h.run)
	h.hubC = &gctx{hub: h, raw: h.raw, name: "hub", isHub: true}
	setCtx(h.raw, h.hubC)
	h.async, err = loop.NewAsync(func(*cev.Async, int) { h.runPosted() })
	if err != nil {
		loop.Destroy()
		return nil, err
	}
	if err := h.async.Start(); err != nil {
		loop.Destroy()
		return nil, err
	}
	// Post alone must not keep the loop alive, as gevent's threadsafe async.
	_ = loop.Unref()
	registerCtx(h.mainC, h.owner)
	h.setRunning(h.mainC)
	h.mem = newMemoryMonitor(cfg, time.Now())
	startWatchdog(h, cfg.MaxBlockingTime)
	return h, nil
}

func defaultErrorHandler(err error) {
	if errors.Is(err, ErrExit) {
		return
	}
	fmt.Fprintf(os.Stderr, "%v\n", err)
}

// SetErrorHandler sets where the hub reports errors that escape greenlets,
// callbacks and links (the printing half of gevent's hub.handle_error),
// blocking-detector reports and memory monitor reports (made on the hub).
// nil restores the default, which prints each report to stderr except exit
// requests (errors matching ErrExit, as gevent does not print SystemExit).
//
// The handler is called on the hub's greenlets, except for the blocking
// detector's reports: those are made at once from the detector's goroutine
// while the hub is stuck, since a greenlet in an endless loop would never
// let the hub run a report. Calls never overlap, and a greenlet that ends
// the stall being reported waits at its next switch until the report is
// out, so the handler runs as if on the hub: it may record into plain
// variables that greenlets read after a switch. It must not wait for the
// hub (a Post it waits on, a blocking call): the hub cannot go on until it
// returns. A panic or runtime.Goexit of the handler while the hub reports
// what escaped one of its callbacks is reported in turn, and one while
// reporting that is printed to stderr: the hub goes on. One while the
// detector reports a stall ends that report alone: it is reported on the
// hub (an *Error for "error handler"), and the detector goes on.
// Goroutine-safe.
func (h *Hub) SetErrorHandler(fn func(error)) {
	if h == nil {
		return
	}
	if fn == nil {
		fn = defaultErrorHandler
	}
	h.handlerV.Store(errorHandler{fn})
}

// SetErrorOutput is SetErrorHandler printing each report but exit requests
// to w, one call of the handler at a time.
func (h *Hub) SetErrorOutput(w io.Writer) {
	if h == nil {
		return
	}
	if w == nil {
		w = io.Discard
	}
	h.SetErrorHandler(func(err error) {
		if !errors.Is(err, ErrExit) {
			fmt.Fprintf(w, "%v\n", err)
		}
	})
}

// HandleError reports err (nil is ignored) to the hub's error handler and,
// when err matches one of the hub's system errors (SetSystemErrors), throws
// it into the main greenlet afterwards: gevent's hub.handle_error and
// handle_system_error. Called from a spawned greenlet, that greenlet is
// suspended while main handles the error and resumes when main next waits;
// called from the hub greenlet, the hub resumes then; called from main
// itself, the error is thrown at main's next wait; from another goroutine,
// it is posted to the hub and thrown from there. A nil or zero Hub prints
// err to stderr. Goroutine-safe.
func (h *Hub) HandleError(err error) {
	if err == nil {
		return
	}
	if h == nil || h.loop == nil {
		// A nil or zero Hub is no hub: nobody set a handler.
		defaultErrorHandler(err)
		return
	}
	h.callHandler(err)
	if h.isSystemError(err) {
		h.throwSystemError(err)
	}
}

// callHandler calls the handler with handlerMu held: one report at a time.
func (h *Hub) callHandler(err error) {
	fn := h.handlerV.Load().(errorHandler).fn
	id := goid.Get()
	if h.handlerOwner.Load() == id {
		// Reported from inside the handler.
		fn(err)
		return
	}
	h.handlerMu.Lock()
	defer h.handlerMu.Unlock()
	h.callLocked(fn, id, err)
}

// callLocked calls the handler fn for goroutine id, handlerMu held.
func (h *Hub) callLocked(fn func(error), id int64, err error) {
	h.handlerOwner.Store(id)
	defer h.handlerOwner.Store(0)
	fn(err)
}

// SetSwitchInterval sets how long one drain of the callback queue may run
// before the loop is polled (gevent's sys.setswitchinterval, which gevent
// reads as its hub's); d <= 0 restores DefaultSwitchInterval.
// Goroutine-safe; a nil Hub ignores it.
func (h *Hub) SetSwitchInterval(d time.Duration) {
	if h == nil {
		return
	}
	if d <= 0 {
		d = DefaultSwitchInterval
	}
	h.switchInterval.Store(int64(d))
}

// SwitchInterval returns the switch interval (0 for a nil or zero Hub).
// Goroutine-safe.
func (h *Hub) SwitchInterval() time.Duration {
	if h == nil {
		return 0
	}
	return time.Duration(h.switchInterval.Load())
}

// ThreadpoolSize returns the size the hub's default thread pool is made
// with (Config.ThreadpoolSize), 0 when the configuration left it to the
// thread pool's own default. Goroutine-safe.
func (h *Hub) ThreadpoolSize() int {
	if h == nil {
		return 0
	}
	return h.threadpoolSize
}

// Loop returns the hub's libev loop (nil for a nil or zero Hub). Hub-affine.
func (h *Hub) Loop() *cev.Loop {
	if h == nil {
		return nil
	}
	return h.loop
}

// Stats returns the loop statistics. Hub-affine: the zero Stats for a nil or
// zero Hub and from a goroutine that is not a greenlet of h, whose read
// would race the hub (Snapshot is the goroutine-safe view).
func (h *Hub) Stats() Stats {
	if h == nil || h.wd == nil || !h.OnHub() {
		return Stats{}
	}
	return Stats{
		Iterations:       h.wd.iter.Load(),
		Switches:         h.switches,
		CallbacksRun:     h.callbacksRun,
		PendingCallbacks: h.cbs.len(),
		LiveGreenlets:    h.live.n,
	}
}

// RunCallback queues fn to run on the hub at the start of the next loop
// iteration, in FIFO order (gevent's loop.run_callback). Callbacks queued
// while the queue drains run in the same drain. A panic in fn is reported to
// the error handler and the drain goes on. Hub-affine: from a goroutine that
// is not a greenlet of h it queues nothing and returns an error matching
// ErrNotGreenlet (Post is the goroutine-safe way in), or ErrHubDestroyed once
// h's Destroy started; h's own greenlets, whose defers Destroy runs, may
// still queue their teardown. ErrNilArgument for a nil fn or a nil Hub.
func (h *Hub) RunCallback(fn func()) (Callback, error) {
	if h == nil || fn == nil {
		return Callback{}, opErr("Hub.RunCallback", ErrNilArgument)
	}
	if err := h.affineOrGone(currentCtx(), "Hub.RunCallback"); err != nil {
		return Callback{}, err
	}
	return h.runCallback(fn), nil
}

// affineOrGone is the check of RunCallback and KeepAlive: nil when c runs on
// h, also while Destroy kills h's greenlets (their defers queue teardown);
// otherwise ErrHubDestroyed once Destroy started, ErrNotGreenlet before.
func (h *Hub) affineOrGone(c *gctx, op string) error {
	if c != nil && c.hub == h {
		return nil
	}
	if h.destroyed.Load() {
		return opErr(op, ErrHubDestroyed)
	}
	if c == nil {
		return opErr(op, errNoHub)
	}
	return opErr(op, ErrNotGreenlet)
}

// runCallback is RunCallback for the scheduler's own code, which runs on h.
func (h *Hub) runCallback(fn func()) Callback {
	b, i := h.cbs.push(cbEntry{fn: fn})
	return Callback{b: b, i: int32(i), gen: b.gen}
}

// runCallbackArg is RunCallback without a closure allocation.
func (h *Hub) runCallbackArg(fn func(any), arg any) Callback {
	b, i := h.cbs.push(cbEntry{afn: fn, arg: arg})
	return Callback{b: b, i: int32(i), gen: b.gen}
}

// Post queues fn to run on the hub as a callback. It is the one
// goroutine-safe entry into a hub: the queue is mutex-protected and one
// ev_async_send wakes the loop (coalesced sends lose nothing because the
// whole queue is drained on each wake). It returns ErrHubDestroyed after
// Destroy, and ErrNilArgument for a nil fn or a nil Hub. Post alone does not
// keep the loop alive: a greenlet waiting for a Post from a goroutine should
// use RunBlocking or hold KeepAlive.
func (h *Hub) Post(fn func()) error {
	if h == nil || fn == nil {
		return opErr("Hub.Post", ErrNilArgument)
	}
	if h.async == nil {
		// A zero Hub: no loop to wake.
		return opErr("Hub.Post", ErrNotGreenlet)
	}
	h.postMu.Lock()
	if h.destroyed.Load() {
		h.postMu.Unlock()
		return opErr("Hub.Post", ErrHubDestroyed)
	}
	h.postQ = append(h.postQ, fn)
	if len(h.postQ) == 1 {
		// Only the post that makes the queue non-empty wakes the loop; the
		// send happens under the lock so that Destroy, which takes it,
		// never frees the async watcher under a sender.
		_ = h.async.Send()
	}
	h.postMu.Unlock()
	return nil
}

// runPosted moves the posted functions into the callback FIFO, so that they
// run in the next drain like gevent's callbacks scheduled from the async
// watcher.
func (h *Hub) runPosted() {
	h.postMu.Lock()
	q := h.postQ
	h.postQ = h.postSpare[:0]
	h.postMu.Unlock()
	for i, fn := range q {
		h.runCallback(fn)
		q[i] = nil
	}
	h.postSpare = q
}

// Done returns a channel that is closed when Destroy starts: a goroutine
// waiting for the outcome of a Post selects on it, because functions still
// queued when the hub is destroyed never run. Goroutine-safe. A nil or zero
// Hub's channel is nil: no hub ever starts its Destroy.
func (h *Hub) Done() <-chan struct{} {
	if h == nil {
		return nil
	}
	return h.done
}

// KeepAlive makes the loop count one more outstanding event source, so a
// greenlet waiting for a Post from another goroutine does not get LoopExit.
// Call the returned release once when the source is done; more calls do
// nothing. release may be called from anywhere: off the hub it is posted to
// the hub (Post), which drops the count on its next pass, and after Destroy
// it does nothing. KeepAlive itself is hub-affine, with RunCallback's errors
// ("Hub.KeepAlive"); on an error nothing is counted and release does nothing.
func (h *Hub) KeepAlive() (release func(), err error) {
	if h == nil {
		return func() {}, opErr("Hub.KeepAlive", ErrNilArgument)
	}
	if err := h.affineOrGone(currentCtx(), "Hub.KeepAlive"); err != nil {
		return func() {}, err
	}
	return h.keepAliveHold().releaseAnywhere, nil
}

// keepAliveRef is KeepAlive for the scheduler's own code, which runs on h and releases there.
func (h *Hub) keepAliveRef() (release func()) { return h.keepAliveHold().release }

// keepAliveHold counts one hold of the loop. On h.
func (h *Hub) keepAliveHold() *keepAliveHold {
	h.keepAlive++
	h.loop.Ref()
	return &keepAliveHold{h: h}
}

// keepAliveHold is one count KeepAlive took; it is dropped once.
type keepAliveHold struct {
	h    *Hub
	done bool
}

// release drops the count. On the hub.
func (k *keepAliveHold) release() {
	if !k.done {
		k.done = true
		k.h.keepAlive--
		k.h.loop.Unref()
	}
}

// releaseAnywhere is release from any goroutine: off the hub it is posted there.
func (k *keepAliveHold) releaseAnywhere() {
	if k.h.OnHub() {
		k.release()
		return
	}
	_ = k.h.Post(k.release) // refused only once Destroy started: no loop left to keep alive
}

// drain runs queued callbacks until the queue is empty or the switch
// interval is exceeded. It returns false if a callback panicked (the panic
// was reported and the caller calls drain again), which keeps recover off the
// per-callback path.
func (h *Hub) drain() (ok bool) {
	if h.cbs.len() == 0 {
		return true
	}
	// As gevent: the interval counts from the start of the drain and is
	// looked at every 50 callbacks.
	start := time.Now()
	count := 0
	h.draining = true
	defer func() {
		h.draining = false
		if !ok {
			h.drainEscaped(recover())
		}
	}()
	for {
		e, more := h.cbs.pop()
		if !more {
			// gevent updates the loop time after a drain, so timers
			// armed next count from now.
			_ = h.loop.UpdateNow()
			return true
		}
		if e.fn != nil {
			h.callbacksRun++
			e.fn()
		} else if e.afn != nil {
			h.callbacksRun++
			e.afn(e.arg)
		} else if c, ok := e.arg.(*gctx); ok {
			// A Sleep(0) wake-up: the switch is written out here, as
			// each frame between the drain loop and the coroutine
			// switch costs a mispredicted return per yield.
			h.callbacksRun++
			if _, err := c.raw.Switch(nil); err != nil {
				h.hubSwitchError(c, err)
			}
		}
		count++
		if count == callbacksPerIntervalCheck {
			count = 0
			if time.Since(start) >= time.Duration(h.switchInterval.Load()) {
				return true
			}
		}
	}
}

// runOnce drains callbacks and runs one loop iteration; it returns false
// when nothing is left that could ever produce work.
func (h *Hub) runOnce() bool {
	for !h.drain() {
		h.drainCut()
	}
	if h.destroyed.Load() {
		return false
	}
	h.wd.iter.Add(1)
	h.syncReport()
	if now := h.loop.Now(); now-h.lastYield >= schedYieldInterval {
		h.lastYield = now
		runtime.Gosched()
	}
	if h.cbs.len() > 0 || h.escaped {
		// An escape from a watcher callback (serve) left the events
		// dispatched after it pending: they run in this run, after the
		// drain and before a poll that could block.
		h.escaped = false
		if _, err := h.loop.Run(cev.EVRUN_NOWAIT); err != nil {
			h.HandleError(opErr("loop", err))
			return false
		}
		return true
	}
	h.wd.inPoll.Store(true)
	alive, err := h.loop.Run(cev.EVRUN_ONCE)
	h.wd.inPoll.Store(false)
	if err != nil {
		h.HandleError(opErr("loop", err))
		return false
	}
	// Run counts libev's active watchers after dispatching the callbacks;
	// those may also have queued run_callback work.
	return alive || h.cbs.len() > 0
}

// run is the hub greenlet's body: loop until the loop runs dry, then throw
// LoopExit into main, and start over when main switches back.
func (h *Hub) run(any) (any, error) {
	registerCtx(h.hubC, goid.Get())
	defer unregisterCtx(h.hubC)
	pprof.SetGoroutineLabels(h.labels)
	h.setRunning(h.hubC)
	h.keepServing(false)
	return nil, nil
}

// keepServing runs serve until Destroy ends it. A runtime.Goexit that
// leaves serve, which no recover stops, does not end the hub greenlet: the
// hub goes on serving from inside its unwinding, until Destroy lets it end.
// serve reports what escaped, but a panic it recovers may have been raised
// under a pending Goexit (a deferred call of a watcher callback, or of the
// error handler, that panicked while it unwound from Goexit), which the
// runtime resumes once serve's recovering defer returns: so the frame the
// Goexit leaves decides, as worker.main does. A Goexit for which serve's
// recover returned nil is reported here (goexited), in the new frame, so
// that a handler that calls Goexit in turn leaves a keepServing behind it;
// when control comes back from serve instead, that nil was a panic(nil).
func (h *Hub) keepServing(goexited bool) {
	finished := false
	defer func() {
		if !finished {
			h.keepServing(true)
		}
	}()
	if goexited {
		// serve's recover returned nil, if it did (stashNil), for this
		// runtime.Goexit: reported here, where a handler that calls
		// Goexit in turn is still followed by a keepServing.
		h.reportNil(ErrGoexit)
	}
	for !h.serve() {
		// Control came back: serve's recover stopped a panic, a
		// panic(nil) if it returned nil (stashNil).
		h.reportNil(nil)
	}
	finished = true
}

// serve is the hub's loop, until Destroy ends it. What escapes a callback
// or a watcher callback must not end the hub greenlet, or every later wait
// would switch to a dead hub and return at once: a panic (one from a
// watcher callback; drain reports a callback's itself) is reported and
// serve returns false, to be called again; a runtime.Goexit, which no
// recover stops, is reported and the hub goes on from inside its
// unwinding (keepServing, which reports it, as the recover here cannot
// tell it from a panic(nil) under GODEBUG=panicnil=1), until Destroy lets
// it end. Either way the loop's next run does not block (escaped), as
// runOnce drains first: a watcher that escapes at each of its events does
// not starve the callback queue.
func (h *Hub) serve() (ok bool) {
	defer func() {
		if ok {
			return
		}
		r := recover()
		h.wd.inPoll.Store(false)
		h.escaped = true
		op := h.escapeOp()
		h.reporting = false
		if r == nil && h.recovered {
			// drain or callLink (the recovers on the hub greenlet below
			// serve), or a package above through handlePanicUnderGoexit,
			// reported a panic that was raised under this Goexit, which
			// the runtime resumed once their recovering call returned:
			// the same escape, reported once. recovered is set only from
			// such a report until its caller gets control back after a
			// plain panic (runOnce, serve, notifyLinks clear it).
			h.recovered = false
			h.nilEscape = nil
			return
		}
		h.recovered = false
		if r == nil {
			// A runtime.Goexit, or a panic(nil) that recover stopped:
			// keepServing tells them apart.
			h.stashNil(op)
			return
		}
		h.reportEscape(opErr(op, panicError(r)))
	}()
	for {
		h.wd.inLoop.Store(true)
		for h.runOnce() {
		}
		h.wd.inLoop.Store(false)
		if h.destroyed.Load() {
			break
		}
		err := h.loopExitError()
		if _, serr := h.main.Throw(err); serr != nil && h.destroyed.Load() {
			break
		}
	}
	// Destroy's kill resumed the hub: run what the dying greenlets queued
	// (Destroy dropped the rest) wherever the kill found the hub, and past
	// the switch interval.
	for h.cbs.len() > 0 {
		if !h.drain() {
			h.drainCut()
		}
	}
	return true
}

// reportEscape reports what escaped a callback (serve), where nothing may
// escape in turn: a panic or a runtime.Goexit of the error handler is
// reported too, and one while reporting that goes to stderr. Under a
// Goexit, a panic leaving the hub greenlet would make its resumer's
// goroutine Goexit as well.
func (h *Hub) reportEscape(err error) {
	h.reportGuarded(err, true)
}

// reportGuarded reports err to the error handler. What escapes the handler
// is reported through it once more when again is set, else printed to
// stderr; after a Goexit of the handler, which nothing stops, the hub goes
// on from inside the unwinding (keepServing), as after a callback's. The
// recover (recovering) cannot tell a Goexit from a panic(nil) under
// GODEBUG=panicnil=1: control comes back here only after the panic.
func (h *Hub) reportGuarded(err error, again bool) {
	var esc *PanicError
	back := false
	defer func() {
		if !back {
			h.handlerEscaped(goexitEscape(esc), again)
		}
	}()
	recovering(func() { h.HandleError(err) }, &esc)
	back = true
	if esc != nil {
		h.handlerEscaped(esc, again)
	}
}

// handlerEscaped reports esc, which escaped the error handler in
// reportGuarded: through the handler once more when again is set, else
// to stderr.
func (h *Hub) handlerEscaped(esc *PanicError, again bool) {
	if again {
		h.reportGuarded(opErr("error handler", esc), false)
	} else {
		defaultErrorHandler(opErr("error handler", esc))
	}
}

// Switch switches from the calling greenlet to the hub and returns what the
// next switch into the caller passes, or the error thrown into it (a
// *Timeout, GreenletExit from Kill, a *LoopExitError ...). Hub-affine; it
// returns ErrNotGreenlet when called from the hub itself or from a goroutine
// that is not one of this hub's greenlets.
func (h *Hub) Switch() (any, error) {
	c := currentCtx()
	if c == nil || c.hub != h || c.isHub {
		return nil, opErr("Hub.Switch", notGreenlet(c))
	}
	if h.destroyed.Load() {
		return nil, opErr("Hub.Switch", ErrHubDestroyed)
	}
	return h.switchFrom(c)
}

// switchFrom is Switch after the caller was checked.
func (h *Hub) switchFrom(c *gctx) (any, error) {
	// setRunning written out (see syncReport).
	h.switches++
	h.running.Store(h.switches<<32 | uint64(uint32(h.hubC.goid.Load())))
	h.syncReport()
	v, err := h.raw.Switch(nil)
	h.running.Store(h.switches<<32 | uint64(uint32(c.goid.Load())))
	h.syncReport()
	return v, err
}

// Join runs the hub until its loop has nothing left to do: no callback, no
// active watcher, no greenlet that can still be woken (gevent's hub.join,
// what gevent.wait() does without objects), or until ctx is done. It
// returns nil when everything finished, a *LoopExitError naming the
// greenlets left blocked forever, or an *Error naming Hub.Join that wraps
// ContextError's error. Call it from the main greenlet.
func (h *Hub) Join(ctx context.Context) error {
	if ctx == nil {
		return opErr("Hub.Join", ErrNilArgument)
	}
	c, err := h.blockingCtx("Hub.Join")
	if err != nil {
		return err
	}
	if c != h.mainC {
		return opErr("Hub.Join", ErrNotGreenlet)
	}
	cw, err := h.armRef(ctx, c, false)
	if err != nil {
		return opErr("Hub.Join", err)
	}
	defer cw.end()
	for {
		c.waitingOn = "Hub.Join"
		_, err := h.switchFrom(c)
		c.waitingOn = ""
		if err == nil {
			// Switched into by something else (a raw switch); keep waiting.
			continue
		}
		var le *LoopExitError
		if !errors.As(err, &le) {
			return ctxOpErr("Hub.Join", ctx, err)
		}
		blocked := le.Blocked[:0:0]
		for _, b := range le.Blocked {
			if b.Name != "main" {
				blocked = append(blocked, b)
			}
		}
		if len(blocked) == 0 {
			return nil
		}
		return &LoopExitError{Blocked: blocked}
	}
}
