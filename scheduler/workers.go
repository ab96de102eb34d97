package scheduler

import (
	"time"

	"github.com/geventgo/geventgo/cev"
)

// The idle worker pool.
//
// A finished greenlet's worker parks on the hub's idle stack and runs the
// next spawn, which saves a coroutine (a goroutine, its stack and page
// faults) per spawn. The stack has no cap, so a burst of any size is reused
// by the next one (a cap made large bursts cost more per greenlet: see
// docs/performance.md, "Idle workers"). Idle workers hold memory, so the
// pool gives it back over time, like sync.Pool's victim
// cache: a trim pass every trimInterval ends half of the workers beyond
// minIdleWorkers that stayed idle for the whole interval (the stack's
// low-water mark since the previous pass tells how many did, and those are
// the least recently used ones at the bottom). A burst that recurs keeps
// most of its workers; after a one-off burst of 100k the pool is back under
// minIdleWorkers in about ten passes, three quarters of it after two.
//
// The trim timer is unref'd, so it never keeps the loop alive (LoopExit and
// Hub.Join are unaffected) and, because it is stopped once the pool is down
// to minIdleWorkers, it wakes an otherwise idle process at most once per
// interval and only while there is memory to give back. Workers are ended
// trimChunk at a time in run_callback callbacks, so that ending 50k
// coroutines interleaves with I/O like any other hub work instead of
// stalling the loop.

// minIdleWorkers is how many idle workers the pool keeps however long they
// stay idle.
const minIdleWorkers = 256

// defaultTrimInterval is how often the pool trims while it is above
// minIdleWorkers.
const defaultTrimInterval = time.Second

// trimChunk is how many workers one callback ends, so that a trim pass
// holds the hub only briefly.
const trimChunk = 256

// workerPool is the hub's idle worker stack and its trimming state; it is
// only touched on the hub's goroutine.
type workerPool struct {
	idle []*worker // idle workers, most recently parked last
	// low is the fewest idle workers since the last trim pass: the
	// bottom low workers have been idle for the whole interval.
	low int
	// dying are workers a trim pass took off the stack, ended in chunks.
	dying      []*worker
	dyingQueue bool // an endDying callback is queued

	timer    *cev.Timer
	trimOn   bool          // timer started (or failed to start: never retried)
	interval time.Duration // 0: defaultTrimInterval; tests shorten it
}

// getWorker pops the most recently parked idle worker, nil if none. With
// the idle stack empty it takes back a worker a trim pass condemned but
// endDying has not ended yet: it is parked like any idle one, and a burst
// that returns while a trim is under way would otherwise create new
// coroutines next to the dying ones (measured: 149k goroutines for 100k
// greenlets when a trim pass fell between two 100k bursts).
func (h *Hub) getWorker() *worker {
	p := &h.pool
	n := len(p.idle) - 1
	if n < 0 {
		if d := len(p.dying) - 1; d >= 0 {
			w := p.dying[d]
			p.dying[d] = nil
			p.dying = p.dying[:d]
			return w
		}
		return nil
	}
	w := p.idle[n]
	p.idle[n] = nil
	p.idle = p.idle[:n]
	if n < p.low {
		p.low = n
	}
	return w
}

// putWorker parks a worker whose job ended.
func (h *Hub) putWorker(w *worker) {
	p := &h.pool
	p.idle = append(p.idle, w)
	if !p.trimOn && len(p.idle) > minIdleWorkers {
		h.startTrim()
	}
}

// IdleWorkers returns how many finished greenlets' coroutines the hub keeps
// for reuse by the next spawns. Hub-affine: 0 for a nil Hub and from a
// goroutine that is not a greenlet of h (Snapshot is the goroutine-safe view).
func (h *Hub) IdleWorkers() int {
	if h == nil || !h.OnHub() {
		return 0
	}
	return len(h.pool.idle) + len(h.pool.dying)
}

func (h *Hub) trimInterval() time.Duration {
	if d := h.pool.interval; d > 0 {
		return d
	}
	return defaultTrimInterval
}

// startTrim starts the unref'd trim timer.
func (h *Hub) startTrim() {
	p := &h.pool
	p.trimOn = true
	p.low = len(p.idle)
	iv := seconds(h.trimInterval())
	if p.timer == nil {
		t, err := h.loop.NewTimer(iv, iv, func(*cev.Timer, int) { h.trimPass() })
		if err != nil {
			// The pool then keeps its workers until Destroy, as it did
			// before trimming; trimOn stays set so that this is reported
			// once, not on every park.
			h.HandleError(opErr("worker pool trim", err))
			return
		}
		p.timer = t
	} else if err := p.timer.Set(iv, iv); err != nil {
		h.HandleError(opErr("worker pool trim", err))
		return
	}
	if err := p.timer.Start(); err != nil {
		h.HandleError(opErr("worker pool trim", err))
		return
	}
	// Unref after start, ref before stop (ev.pod, ev_ref/ev_unref).
	_ = h.loop.Unref()
}

// stopTrim stops the trim timer until the pool grows past minIdleWorkers
// again.
func (h *Hub) stopTrim() {
	p := &h.pool
	p.trimOn = false
	if p.timer != nil && p.timer.IsActive() {
		_ = h.loop.Ref()
		_ = p.timer.Stop()
	}
}

// trimPass runs on the hub every trim interval: it takes half of the
// workers idle since the previous pass (beyond minIdleWorkers) off the
// stack and ends them.
func (h *Hub) trimPass() {
	if h.destroyed.Load() {
		return
	}
	p := &h.pool
	if excess := p.low - minIdleWorkers; excess > 0 {
		k := (excess + 1) / 2
		p.dying = append(p.dying, p.idle[:k]...)
		n := copy(p.idle, p.idle[k:])
		clear(p.idle[n:])
		p.idle = p.idle[:n]
		// The stack's backing array would otherwise stay at the burst's
		// size (8 bytes per worker) for good.
		if cap(p.idle) > 4*max(n, minIdleWorkers) {
			p.idle = append(make([]*worker, 0, 2*max(n, minIdleWorkers)), p.idle...)
		}
		if !p.dyingQueue {
			h.endDying()
		}
	}
	p.low = len(p.idle)
	if len(p.idle) <= minIdleWorkers {
		h.stopTrim()
	}
}

func endDyingCB(a any) { a.(*Hub).endDying() }

// endDying ends up to trimChunk dying workers and queues itself for the
// rest.
func (h *Hub) endDying() {
	p := &h.pool
	p.dyingQueue = false
	if h.destroyed.Load() {
		return
	}
	for range min(len(p.dying), trimChunk) {
		n := len(p.dying) - 1
		w := p.dying[n]
		p.dying[n] = nil
		p.dying = p.dying[:n]
		// A parked worker resumed without a job returns, which ends its
		// coroutine and hands control back to its parent, the hub.
		h.switchInto(w.ctx, nil)
		h.setRunning(h.hubC)
	}
	if len(p.dying) > 0 {
		p.dyingQueue = true
		h.runCallbackArg(endDyingCB, h)
	} else {
		p.dying = nil
	}
}

// setTrimInterval changes the trim interval, restarting a running timer;
// d <= 0 restores defaultTrimInterval. Tests use it to drive trimming.
func (h *Hub) setTrimInterval(d time.Duration) {
	h.pool.interval = d
	if h.pool.trimOn && h.pool.timer != nil && h.pool.timer.IsActive() {
		h.stopTrim()
		h.startTrim()
	}
}
