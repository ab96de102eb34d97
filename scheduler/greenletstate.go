package scheduler

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/petermattis/goid"
)

// gctx is the scheduler's state attached to every raw greenlet it knows:
// main, the hub and the workers that run tasks.
type gctx struct {
	hub   *Hub
	raw   *greenlet.Greenlet
	name  string // "main", "hub", "worker"
	isHub bool
	// goid of the goroutine the coroutine runs on; read by the watchdog and
	// by LoopExit reports to cut this greenlet's stack out of a full dump.
	goid atomic.Int64
	// task running on this worker (nil for main and hub).
	task *task
	w    *worker // non-nil for worker greenlets
	// wake is the cached link that resumes this greenlet from a join;
	// waitToken is the object it currently waits for.
	wake      func(Linkable)
	waitToken any
	// waitingOn says what the greenlet is blocked on; set around a wait.
	waitingOn string
	// waitArg completes waitingOn in reports without formatting a string
	// on every wait: a duration for sleep, a task for join.
	waitArg any
	sleepK  *Waker // reusable waker for Sleep(d)
	// sleepFire is the cached timer callback waking sleepK.
	sleepFire func()
	// curTask mirrors task for the blocking detector's goroutine.
	curTask atomic.Pointer[task]
	// locals are the greenlet's Local values; a worker drops them when its
	// job ends, since the next job is another greenlet.
	locals []localEntry
	// link is the Link callback a worker runs now.
	link *linkJob
	// raw is set for a greenlet of SpawnRaw: its spawner and state.
	rawInfo *rawState
}

// waitLabel formats what the greenlet waits on, for reports.
func (c *gctx) waitLabel() string {
	switch a := c.waitArg.(type) {
	case time.Duration:
		return c.waitingOn + " " + a.String()
	case *task:
		return c.waitingOn + " " + a.Name()
	}
	return c.waitingOn
}

// displayName is the name reports use: the task's name for a worker.
func (c *gctx) displayName() string {
	if t := c.curTask.Load(); t != nil {
		return t.Name()
	}
	return c.name
}

// ctxs maps the goroutine id of every greenlet the scheduler runs (each
// hub's main goroutine, hub and workers) to its context. Looking the caller
// up here, instead of through greenlet.Current, never registers a foreign
// goroutine with package greenlet: affinity checks from any goroutine are
// free of side effects.
var ctxs sync.Map // int64 -> *gctx

// ctxCache is a direct-mapped cache in front of ctxs, indexed by the low
// bits of the goid: every blocking call, wake and affinity check looks the
// caller up, and the sync.Map lookup (hash of a boxed int64, a trie walk
// with cache misses once thousands of greenlets exist) was a sixth of the
// CPU of waking 10k waiters. Goids are handed out in sequence, so live
// greenlets rarely collide; a collision (the later registration wins the
// slot) falls back to ctxs, which stays the source of truth.
var ctxCache [1 << 14]atomic.Pointer[gctx]

func registerCtx(c *gctx, id int64) {
	c.goid.Store(id)
	ctxs.Store(id, c)
	ctxCache[uint64(id)%uint64(len(ctxCache))].Store(c)
}

func unregisterCtx(c *gctx) {
	if id := c.goid.Load(); id != 0 {
		ctxCache[uint64(id)%uint64(len(ctxCache))].CompareAndSwap(c, nil)
		ctxs.CompareAndDelete(id, c)
	}
}

// currentCtx returns the calling greenlet's scheduler state, nil when the
// calling goroutine is not a greenlet of any hub.
func currentCtx() *gctx {
	id := goid.Get()
	slot := &ctxCache[uint64(id)%uint64(len(ctxCache))]
	if c := slot.Load(); c != nil && c.goid.Load() == id {
		return c
	}
	// Only registerCtx fills the cache: filling it here could race with
	// an unregister from another goroutine (Destroy) and leave a stale
	// entry behind.
	if v, ok := ctxs.Load(id); ok {
		return v.(*gctx)
	}
	return nil
}

func setCtx(g *greenlet.Greenlet, c *gctx) { g.Value = c }

// GetCurrent returns the gevent Greenlet running now as a Runnable (a
// *Greenlet[T]), or nil in main and in the hub.
func GetCurrent() Runnable {
	if c := currentCtx(); c != nil && c.task != nil {
		return c.task.impl
	}
	return nil
}

// newRaw creates a raw greenlet whose parent is parent.
func newRaw(parent *greenlet.Greenlet, run func(any) (any, error)) *greenlet.Greenlet {
	g, err := greenlet.NewWithParent(parent, run)
	if err != nil {
		// The scheduler only creates greenlets from its own hub's greenlets.
		panic(err)
	}
	return g
}
