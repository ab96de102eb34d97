package scheduler

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// BlockingError is what the blocking detector reports: the hub did not get
// control back for longer than its threshold.
type BlockingError struct {
	Greenlet string        // the greenlet that held the hub ("main", "hub", a task name)
	For      time.Duration // how long at least
	Stack    string        // its stack, when it could be found
}

// Error names the greenlet that held the hub and for how long, followed by
// its stack when one was found.
func (e *BlockingError) Error() string {
	s := fmt.Sprintf("scheduler: hub blocked: %s ran for more than %v without switching", e.Greenlet, e.For)
	if e.Stack != "" {
		s += "\n" + e.Stack
	}
	return s
}

// Unwrap returns ErrBlockingHub.
func (e *BlockingError) Unwrap() error { return ErrBlockingHub }

// watchdog is the state the detector keeps per hub. The hub itself only
// pays one atomic store per side of a switch (Hub.running), plus two stores
// per loop iteration (inPoll).
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

// SetBlockingThreshold sets how long the hub may go without a switch before
// the blocking detector reports (once per stall) to the error handler; 0 or
// less turns the detector off for this hub. Goroutine-safe.
func (h *Hub) SetBlockingThreshold(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.wd.threshold.Store(int64(d))
	kickWatchdog()
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
		var reports []func()
		for h := range wdHubs {
			if r := h.wd.check(h, now); r != nil {
				reports = append(reports, r)
			}
		}
		tick = watchdogTick()
		wdMu.Unlock()
		for _, r := range reports {
			r()
		}
		t.Reset(tick)
	}
}

// check runs on the watchdog goroutine; it returns the report to make, if
// any.
func (w *watchdog) check(h *Hub, now time.Time) func() {
	th := time.Duration(w.threshold.Load())
	sw := h.running.Load()
	it := w.iter.Load()
	if th <= 0 || !w.inLoop.Load() || w.inPoll.Load() || sw != w.lastSeen || it != w.lastIter {
		w.lastSeen, w.lastIter, w.since, w.reported = sw, it, now, false
		return nil
	}
	if w.reported || now.Sub(w.since) < th {
		return nil
	}
	w.reported = true
	name, id := "hub", h.hubC.goid.Load()
	if c := h.blame(uint32(sw)); c != nil && c != h.hubC {
		name, id = c.displayName(), c.goid.Load()
	}
	stalled := now.Sub(w.since)
	return func() {
		stack := ""
		if id != 0 {
			stack = blockingStack(id)
		}
		h.HandleError(&BlockingError{Greenlet: name, For: stalled.Truncate(time.Millisecond), Stack: stack})
	}
}

// dumpCostFactor bounds the time the detector's stack dumps may take: after
// a dump that took d, the next one waits at least dumpCostFactor*d, so dumps
// stop the world for at most 1% of the time.
const dumpCostFactor = 100

// dumpNotBefore is when (unix ns) the detector may dump stacks again.
var dumpNotBefore atomic.Int64

// blockingStack returns goroutine id's stack for a blocking report. There is
// no way to take one other goroutine's stack, only all of them, under a stop
// of the world that lasts as long as the formatting (hundreds of ms with 10k
// greenlets): on a loaded machine, where stalls are reported often, the
// dumps themselves made the hub stall. So their cost is rationed.
func blockingStack(id int64) string {
	start := time.Now()
	if next := dumpNotBefore.Load(); start.UnixNano() < next {
		return fmt.Sprintf("(stack omitted: the previous dump stopped the world for long; next dump allowed in %v)",
			time.Duration(next-start.UnixNano()).Round(time.Millisecond))
	}
	stack := dumpStacks().stack(id)
	end := time.Now()
	dumpNotBefore.Store(end.Add(dumpCostFactor * end.Sub(start)).UnixNano())
	return stack
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
