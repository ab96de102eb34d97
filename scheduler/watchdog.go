package scheduler

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/petermattis/goid"
)

// BlockingError is what the blocking detector reports: the hub did not get
// control back for longer than its threshold.
type BlockingError struct {
	Greenlet string        // the greenlet that held the hub ("main", "hub", a task name)
	For      time.Duration // how long at least
	Stack    string        // its stack while it held the hub, or a note saying why there is none
}

// Error names the greenlet that held the hub and for how long, followed by
// its stack when one was found.
func (e *BlockingError) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	s := fmt.Sprintf("scheduler: hub blocked: %s ran for more than %v without switching", e.Greenlet, e.For)
	if e.Stack != "" {
		s += "\n" + e.Stack
	}
	return s
}

// Unwrap returns ErrBlockingHub.
func (e *BlockingError) Unwrap() error { return ErrBlockingHub }

// watchdog is the state the detector keeps per hub. The hub itself only
// pays one atomic store and one load per side of a switch (Hub.running,
// Hub.switchFlags), plus two stores per loop iteration (inPoll).
type watchdog struct {
	threshold atomic.Int64 // nanoseconds; 0: off
	lastSeen  uint64       // Hub.running at the previous tick
	lastIter  uint64
	since     time.Time // when lastSeen was first seen
	reported  bool      // this stall was reported already
	inPoll    atomic.Bool
	inLoop    atomic.Bool
	iter      atomic.Uint64
}

// SetBlockingThreshold sets how long a greenlet may hold the hub without
// switching before the blocking detector reports it (once per stall, with
// the greenlet's stack) to the error handler (gevent's max_blocking_time),
// DefaultBlockingThreshold unless set here or in the hub's Config; 0 or
// less turns the detector off for this hub. A greenlet
// holds the hub from the moment it is resumed, whatever resumed it (a
// spawn, a timer, a socket's readiness), until its next switch; the hub
// greenlet itself is reported only for callbacks that run long outside the
// loop's poll (watcher callbacks are dispatched inside it, and gevent does
// not blame the hub either). Goroutine-safe; a nil or zero Hub has no
// detector and ignores it.
func (h *Hub) SetBlockingThreshold(d time.Duration) {
	if h == nil || h.wd == nil {
		return
	}
	if d < 0 {
		d = 0
	}
	h.wd.threshold.Store(int64(d))
	kickWatchdog()
}

// BlockingThreshold returns the blocking detector's threshold, 0 when it
// is off (and for a nil or zero Hub). Goroutine-safe.
func (h *Hub) BlockingThreshold() time.Duration {
	if h == nil || h.wd == nil {
		return 0
	}
	return time.Duration(h.wd.threshold.Load())
}

var (
	wdMu      sync.Mutex
	wdHubs    = map[*Hub]struct{}{}
	wdStop    chan struct{}
	wdDone    chan struct{}
	wdRunning bool
)

// watchdogTick is how often the detector looks; a stall is reported between
// threshold and threshold+tick after it began.
func watchdogTick() time.Duration {
	tick := 50 * time.Millisecond
	for h := range wdHubs {
		if th := time.Duration(h.wd.threshold.Load()); th > 0 && th/2 < tick {
			tick = max(th/2, time.Millisecond)
		}
	}
	return tick
}

func startWatchdog(h *Hub, threshold time.Duration) *watchdog {
	w := &watchdog{}
	w.threshold.Store(int64(threshold))
	h.wd = w
	wdMu.Lock()
	wdHubs[h] = struct{}{}
	if !wdRunning {
		wdRunning = true
		wdStop = make(chan struct{})
		wdDone = make(chan struct{})
		go watchdogLoop(wdStop, wdDone)
	}
	wdMu.Unlock()
	return w
}

// kickWatchdog makes the detector recompute its tick.
func kickWatchdog() {
	wdMu.Lock()
	defer wdMu.Unlock()
	if wdRunning {
		select {
		case wdKick <- struct{}{}:
		default:
		}
	}
}

var wdKick = make(chan struct{}, 1)

// unwatch removes a hub from the detector and stops the detector's
// goroutine when no hub is left, so that a destroyed hub leaves nothing.
func unwatch(h *Hub) {
	wdMu.Lock()
	delete(wdHubs, h)
	var stop, done chan struct{}
	if len(wdHubs) == 0 && wdRunning {
		wdRunning = false
		stop, done = wdStop, wdDone
	}
	wdMu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func watchdogLoop(stop, done chan struct{}) {
	defer close(done)
	wdMu.Lock()
	tick := watchdogTick()
	wdMu.Unlock()
	t := time.NewTimer(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-wdKick:
		case <-t.C:
		}
		now := time.Now()
		wdMu.Lock()
		var stalls []stall
		var memDue []*Hub
		for h := range wdHubs {
			if s, ok := h.wd.check(h, now); ok {
				stalls = append(stalls, s)
			}
			if h.mem != nil && !now.Before(h.mem.next) {
				memDue = append(memDue, h)
			}
		}
		tick = watchdogTick()
		wdMu.Unlock()
		for _, s := range stalls {
			s.reportApart()
		}
		lookAt(memDue, now)
		t.Reset(tick)
	}
}

// stall is one stall the detector found: the hub's progress words when it
// began, and the greenlet that holds the hub.
type stall struct {
	h     *Hub
	word  uint64 // Hub.running
	iter  uint64
	c     *gctx // nil: not found
	name  string
	since time.Duration
}

// check runs on the watchdog goroutine; it reports whether the hub has
// stalled past the threshold, once per stall.
//
// The hub makes progress when a greenlet switches (Hub.running changes) or
// a loop iteration ends (iter changes). While the hub greenlet itself runs,
// it is idle in the loop's poll or dispatching: a stall only outside the
// poll. While any other greenlet runs, the hub waits for it, whoever
// resumed it: a greenlet resumed by a watcher callback runs inside the
// loop's run (inPoll still set) and is watched all the same. gevent's
// monitor thread applies the same rule: no switch since the last look and
// a greenlet other than the hub active.
func (w *watchdog) check(h *Hub, now time.Time) (stall, bool) {
	th := time.Duration(w.threshold.Load())
	word := h.running.Load()
	it := w.iter.Load()
	onHub := uint32(word) == uint32(h.hubC.goid.Load())
	if th <= 0 || !w.inLoop.Load() || word != w.lastSeen || it != w.lastIter || (onHub && w.inPoll.Load()) {
		w.lastSeen, w.lastIter, w.since, w.reported = word, it, now, false
		return stall{}, false
	}
	if w.reported || now.Sub(w.since) < th {
		return stall{}, false
	}
	w.reported = true
	s := stall{h: h, word: word, iter: it, name: "hub", since: now.Sub(w.since)}
	if onHub {
		s.c = h.hubC
	} else if c := h.blame(uint32(word)); c != nil {
		s.c, s.name = c, c.displayName()
	}
	return s, true
}

// reportApart is report on a goroutine of its own, waited for: a handler
// that panics or calls runtime.Goexit (t.FailNow does), which no recover
// stops, ends that goroutine and not the detector's. What escaped is
// reported on the hub, as the escape of a callback there would be; its
// report waits for the hub to move on.
func (s stall) reportApart() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var esc *PanicError
		back := false
		defer func() {
			if !back {
				s.handlerEscaped(goexitEscape(esc))
			}
		}()
		recovering(s.report, &esc)
		back = true
		if esc != nil {
			s.handlerEscaped(esc)
		}
	}()
	<-done
}

// handlerEscaped reports on the hub what escaped the error handler while
// it reported the stall (reportApart). report's defers ran: handlerMu is
// free, the flag clear.
func (s stall) handlerEscaped(esc *PanicError) {
	err := opErr("error handler", esc)
	if s.h.Post(func() { s.h.HandleError(err) }) != nil {
		defaultErrorHandler(err)
	}
}

// report takes the stalling greenlet's stack and delivers the report to the
// hub's error handler, at once if the hub is still stuck (see
// Hub.SetErrorHandler for why that is safe), else on the hub.
func (s stall) report() {
	h := s.h
	stack := ""
	if s.c != nil {
		stack = h.budgetedStack(s.c)
	}
	be := &BlockingError{Greenlet: s.name, For: s.since.Truncate(time.Millisecond), Stack: stack}
	h.handlerMu.Lock()
	defer h.handlerMu.Unlock()
	// Set before reading the progress words: a greenlet that makes progress
	// stores its word before it reads this flag, so either the check below
	// sees the progress or the greenlet sees the flag and waits on
	// handlerMu until the report is out.
	h.switchFlags.Or(flagReporting)
	defer h.switchFlags.And(^flagReporting)
	if h.destroyed.Load() {
		return
	}
	if h.running.Load() != s.word || h.wd.iter.Load() != s.iter {
		// The hub moved on while the stack was taken: report on it.
		_ = h.Post(func() { h.HandleError(be) })
		return
	}
	h.callLocked(h.handlerV.Load().(errorHandler).fn, goid.Get(), be)
}

// blame returns the greenlet of h whose goid has the low 32 bits low (see
// Hub.setRunning), nil if none is registered any more. It walks every
// registered context, which is fine once per stall report.
func (h *Hub) blame(low uint32) *gctx {
	var found *gctx
	ctxs.Range(func(_, v any) bool {
		c := v.(*gctx)
		if c.hub == h && uint32(c.goid.Load()) == low {
			found = c
			return false
		}
		return true
	})
	return found
}
