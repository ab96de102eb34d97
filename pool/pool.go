// Package pool provides gevent's Group and Pool: sets of greenlets that are
// joined and killed together, with Map, Imap, ImapUnordered and Apply, and
// a Pool that caps how many run at once.
//
// Everything is hub-affine: a Group or Pool binds to the hub of the first
// greenlet that adds, spawns, joins or kills, and a goroutine that is not a
// greenlet of that hub (or of any hub) gets an error matching
// scheduler.ErrNotGreenlet from those calls, before the group is touched
// and without a hub being created for it. (Spawning into an unbound group
// from a goroutine without a hub creates its hub, as scheduler.Spawn does.) There is no thread-backed pool yet: the
// scheduler has no thread pool, only scheduler.RunBlocking.
package pool

import (
	"errors"
	"iter"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// Sentinel errors, matchable with errors.Is.
var (
	// ErrPoolFull is returned by a non-blocking (or timed-out) add to a
	// full Pool (gevent's PoolFull). It also matches queue.ErrFull.
	ErrPoolFull = &poolFull{}
	// ErrBadSize is returned by NewPool for a negative size.
	ErrBadSize = errors.New("pool size must not be negative")
)

type poolFull struct{}

// Error returns ErrPoolFull's message.
func (*poolFull) Error() string { return "pool full" }

// Is makes ErrPoolFull match queue.ErrFull.
func (*poolFull) Is(target error) bool { return target == queue.ErrFull }

// Error adds the operation to a sentinel or a cause.
type Error struct {
	Op  string // e.g. "Pool.Add"
	Err error  // a sentinel (ErrPoolFull, ErrBadSize, scheduler.ErrNotGreenlet) or the cause of a failed wait
}

// Error returns "pool: Op: cause", so the text names the package and the
// call that failed.
func (e *Error) Error() string { return "pool: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Group is gevent's Group: a set of greenlets; a greenlet leaves it when it
// finishes. The zero value is an empty group. Hub-affine.
type Group struct {
	members map[scheduler.Runnable]scheduler.LinkID
	order   []scheduler.Runnable // insertion order, for Kill and Greenlets
	dying   map[scheduler.Runnable]bool
	empty   event.Event
	sem     *lock.Semaphore // nil: unbounded
	size    int
	// hub is the hub the group belongs to; atomic because a foreign
	// goroutine reads it to find out that it must not go further.
	hub atomic.Pointer[scheduler.Hub]
}

// check binds the group to the caller's hub on first use and refuses a
// caller that is not a greenlet of the group's hub before the group is
// touched. A goroutine without a hub never gets one for a bound group. On
// an unbound group, spawn (create) creates the caller's hub, as
// scheduler.Spawn does in gevent's main-thread pattern (spawn, then join);
// the other calls go on unbound, since an unbound group has no member to
// wait for or kill.
func (g *Group) check(op string, create bool) error {
	cur := scheduler.CurrentHub()
	h := g.hub.Load()
	if h != nil && h.Destroyed() {
		h = nil
	}
	if h == nil {
		if cur == nil {
			if !create {
				return nil
			}
			cur = scheduler.GetHub()
		}
		if g.hub.CompareAndSwap(g.hub.Load(), cur) {
			return nil
		}
		h = g.hub.Load()
	}
	if h != cur {
		return &Error{Op: op, Err: scheduler.ErrNotGreenlet}
	}
	return nil
}

// Spawner is a *Group or a *Pool, for Spawn, Map and friends.
type Spawner interface {
	group() *Group
}

func (g *Group) group() *Group { return g }

// NewGroup returns an empty group.
func NewGroup() *Group { return &Group{} }

func (g *Group) init() {
	if g.members == nil {
		g.members = map[scheduler.Runnable]scheduler.LinkID{}
		g.dying = map[scheduler.Runnable]bool{}
		g.empty.Set()
	}
}

// Len returns how many greenlets the group holds.
func (g *Group) Len() int { return len(g.members) }

// Contains reports whether r is in the group.
func (g *Group) Contains(r scheduler.Runnable) bool { _, ok := g.members[r]; return ok }

// Greenlets returns the members in the order they were added.
func (g *Group) Greenlets() []scheduler.Runnable {
	out := make([]scheduler.Runnable, 0, len(g.members))
	for _, r := range g.order {
		if g.Contains(r) {
			out = append(out, r)
		}
	}
	return out
}

// Add puts r in the group; it leaves when it finishes. On a Pool, Add waits
// for a free slot (gevent's Pool.add).
func (g *Group) Add(r scheduler.Runnable) error { return g.add(r, true, scheduler.Forever) }

func (g *Group) add(r scheduler.Runnable, block bool, timeout time.Duration) error {
	if err := g.check("Group.Add", true); err != nil {
		return err
	}
	g.init()
	if g.Contains(r) {
		return nil
	}
	if g.sem != nil {
		ok, err := g.sem.Acquire(block, timeout)
		if err != nil {
			return &Error{Op: "Pool.Add", Err: err}
		}
		if !ok {
			return &Error{Op: "Pool.Add", Err: ErrPoolFull}
		}
	}
	g.members[r] = r.Rawlink(func(scheduler.Linkable) { g.discard(r) })
	g.order = append(g.order, r)
	g.empty.Clear()
	return nil
}

func (g *Group) discard(r scheduler.Runnable) {
	if _, ok := g.members[r]; !ok {
		return
	}
	delete(g.members, r)
	delete(g.dying, r)
	if len(g.members) == 0 {
		g.order = g.order[:0]
		g.empty.Set()
	} else if len(g.order) > 4*len(g.members)+16 {
		g.order = g.Greenlets()
	}
	if g.sem != nil {
		_, _ = g.sem.Release()
	}
}

// Discard removes r from the group without waiting for it.
func (g *Group) Discard(r scheduler.Runnable) {
	id, ok := g.members[r]
	if !ok {
		return
	}
	g.discard(r)
	r.Unlink(id)
}

// Join waits until the group is empty or timeout expires and reports whether
// it is empty. With raiseError it returns the error of the first member
// (in insertion order) that failed.
func (g *Group) Join(timeout time.Duration, raiseError bool) (bool, error) {
	if err := g.check("Group.Join", false); err != nil {
		return false, err
	}
	g.init()
	var members []scheduler.Runnable
	if raiseError {
		members = g.Greenlets()
	}
	ok, err := g.empty.Wait(timeout)
	if err != nil {
		return ok, err
	}
	for _, r := range members {
		if e := r.Err(); e != nil {
			return ok, e
		}
	}
	return ok, nil
}

// Kill raises err (scheduler.ErrGreenletExit when nil) in every member and,
// with block, waits until they are all gone or timeout expires.
func (g *Group) Kill(err error, block bool, timeout time.Duration) error {
	if e := g.check("Group.Kill", false); e != nil {
		return e
	}
	g.init()
	if len(g.members) == 0 {
		return nil
	}
	var t *scheduler.Timeout
	if timeout >= 0 && block {
		t = scheduler.NewTimeout(timeout, nil)
		if e := t.Start(); e != nil {
			return e
		}
		defer t.Cancel()
	}
	for len(g.members) > 0 {
		for _, r := range g.Greenlets() {
			if g.dying[r] {
				continue
			}
			g.dying[r] = true
			if e := r.Kill(err, false, 0); e != nil {
				return e
			}
		}
		if !block {
			return nil
		}
		if _, e := g.empty.Wait(scheduler.Forever); e != nil {
			if t != nil && errors.Is(e, t) {
				return nil
			}
			return e
		}
	}
	return nil
}

// Full reports whether Spawn would block: never for a plain Group, which
// has no size limit; for a Pool's Group, whether every slot is taken.
func (g *Group) Full() bool {
	return g.sem != nil && g.sem.Locked()
}

// Pool is gevent's Pool: a Group that runs at most size greenlets at once;
// Spawn waits for a free slot. Create it with NewPool. Hub-affine.
type Pool struct {
	// Group supplies membership (Add, Discard, Join, Kill, ...); NewPool
	// gives it the semaphore of size slots that Add and Spawn wait on.
	// Pool overrides Full.
	Group
}

// NewPool returns a pool of size slots (0 means no slot: every Spawn waits
// until its timeout, as gevent's Pool(0)).
func NewPool(size int) (*Pool, error) {
	if size < 0 {
		return nil, &Error{Op: "NewPool", Err: ErrBadSize}
	}
	s, err := lock.NewSemaphore(size)
	if err != nil {
		return nil, err
	}
	p := &Pool{}
	p.init()
	p.sem, p.size = s, size
	return p, nil
}

// Size returns the number of slots.
func (p *Pool) Size() int { return p.size }

// FreeCount returns how many greenlets can be added without waiting.
func (p *Pool) FreeCount() int { return max(0, p.size-p.Len()) }

// Full reports whether Spawn would block.
func (p *Pool) Full() bool { return p.FreeCount() <= 0 }

// WaitAvailable waits until a slot is free or timeout expires and returns
// the number of free slots.
func (p *Pool) WaitAvailable(timeout time.Duration) (int, error) {
	if err := p.check("Pool.WaitAvailable", false); err != nil {
		return 0, err
	}
	return p.sem.Wait(timeout)
}

// AddTimeout adds r, waiting for a slot unless block is false, for at most
// timeout; ErrPoolFull if none came.
func (p *Pool) AddTimeout(r scheduler.Runnable, block bool, timeout time.Duration) error {
	return p.add(r, block, timeout)
}

// Spawn starts fn in a new greenlet of s, waiting for a free slot first on
// a Pool. The error is ErrPoolFull-free: Spawn waits without limit, and
// returns only what was thrown into the caller while waiting (Kill, LoopExit).
func Spawn[T any](s Spawner, fn func() (T, error)) (*scheduler.Greenlet[T], error) {
	return spawn(s, fn, true, scheduler.Forever)
}

// TrySpawn is Spawn that does not wait: ErrPoolFull when the pool is full.
func TrySpawn[T any](s Spawner, fn func() (T, error)) (*scheduler.Greenlet[T], error) {
	return spawn(s, fn, false, 0)
}

func spawn[T any](s Spawner, fn func() (T, error), block bool, timeout time.Duration) (*scheduler.Greenlet[T], error) {
	// Before New, which would create a hub even for a foreign goroutine.
	if err := s.group().check("Spawn", true); err != nil {
		return nil, err
	}
	gr := scheduler.New(fn)
	if err := s.group().add(gr, block, timeout); err != nil {
		_ = gr.Kill(nil, false, 0)
		return nil, err
	}
	gr.Start()
	return gr, nil
}

// Apply runs fn in a greenlet of s and returns its result (gevent's apply);
// called from a member of s it runs fn directly, as gevent does, so that
// it cannot deadlock on its own pool.
func Apply[R any](s Spawner, fn func() (R, error)) (R, error) {
	if cur := scheduler.GetCurrent(); cur != nil && s.group().Contains(cur) {
		return fn()
	}
	gr, err := Spawn(s, fn)
	if err != nil {
		var zero R
		return zero, err
	}
	return gr.Get(true, scheduler.Forever)
}

// Map runs fn on every item in greenlets of s and returns the results in
// the order of items; the error is the first failure in that order (the
// other greenlets run to the end).
func Map[T, R any](s Spawner, fn func(T) (R, error), items []T) ([]R, error) {
	gs := make([]*scheduler.Greenlet[R], 0, len(items))
	for _, it := range items {
		gr, err := Spawn(s, func() (R, error) { return fn(it) })
		if err != nil {
			return nil, err
		}
		gs = append(gs, gr)
	}
	out := make([]R, len(gs))
	var first error
	for i, gr := range gs {
		v, err := gr.Get(true, scheduler.Forever)
		if err != nil && first == nil {
			first = err
		}
		out[i] = v
	}
	return out, first
}

type result[R any] struct {
	idx   int
	value R
	err   error
	end   bool // the feeder is done; idx is the item count
}

// Imap runs fn on the items in greenlets of s, spawning them as slots free
// up, and yields (result, error) pairs in the order of items. Breaking out
// kills the greenlets it still runs.
func Imap[T, R any](s Spawner, fn func(T) (R, error), items iter.Seq[T]) iter.Seq2[R, error] {
	return imap(s, fn, items, true)
}

// ImapUnordered is Imap yielding results in the order they finish.
func ImapUnordered[T, R any](s Spawner, fn func(T) (R, error), items iter.Seq[T]) iter.Seq2[R, error] {
	return imap(s, fn, items, false)
}

func imap[T, R any](s Spawner, fn func(T) (R, error), items iter.Seq[T], ordered bool) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		// Before the feeder, which Go would put on a foreign goroutine's
		// (possibly new) hub.
		if err := s.group().check("Imap", true); err != nil {
			var zero R
			yield(zero, err)
			return
		}
		q := queue.NewQueue[result[R]](0)
		var running []*scheduler.Greenlet[R]
		feeder := scheduler.Go(func() error {
			i := 0
			// A panicking items sequence would otherwise kill the feeder
			// before the end marker, leaving the consumer waiting for good:
			// the panic takes the next item's place and ends the results.
			defer func() {
				if x := recover(); x != nil {
					_ = q.Put(result[R]{idx: i, err: &scheduler.PanicError{Value: x, Stack: debug.Stack()}}, false, 0)
					_ = q.Put(result[R]{idx: i + 1, end: true}, false, 0)
				}
			}()
			for it := range items {
				idx := i
				i++
				gr, err := Spawn(s, func() (R, error) { return fn(it) })
				if err != nil {
					_ = q.Put(result[R]{idx: idx, err: err}, false, 0)
					break
				}
				running = append(running, gr)
				gr.Rawlink(func(scheduler.Linkable) {
					_ = q.Put(result[R]{idx: idx, value: gr.Value(), err: gr.Err()}, false, 0)
				})
			}
			_ = q.Put(result[R]{idx: i, end: true}, false, 0)
			return nil
		})
		defer func() {
			_ = feeder.Kill(nil, true, scheduler.Forever)
			_ = scheduler.KillAll(running, nil, true, scheduler.Forever)
		}()
		pending := map[int]result[R]{}
		next, total := 0, -1
		for total < 0 || next < total {
			r, err := q.Get(true, scheduler.Forever)
			if err != nil {
				var zero R
				yield(zero, err)
				return
			}
			if r.end {
				total = r.idx
				continue
			}
			if !ordered {
				next++
				if !yield(r.value, r.err) {
					return
				}
				continue
			}
			pending[r.idx] = r
			for {
				pr, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if !yield(pr.value, pr.err) {
					return
				}
			}
		}
	}
}
