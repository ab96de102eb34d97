package threadpool

import (
	"errors"
	"iter"
	"runtime/debug"
	"sync/atomic"

	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// errStopped is what a call skipped after its iteration stopped returns; nobody sees it.
var errStopped = errors.New("threadpool: iteration stopped")

// outcome is one call's result on its way from the hub to the iterating greenlet.
type outcome[Out any] struct {
	idx int
	v   Out
	err error
	end bool // the feeder is done; idx is the number of outcomes it sent
}

// Imap runs fn on the items on the pool's workers and yields the (value, error) pairs in the
// order of items, each as soon as it and every one before it have returned (gevent's
// ThreadPool.imap). It is typed as pool.Imap: items is pulled lazily, and an error of fn (a panic
// as a *scheduler.PanicError) is yielded with whatever value fn returned, in that item's place,
// and the iteration goes on.
//
// A feeder greenlet pulls the items and submits them, never more than Size at once: it waits for
// a submitted call to return before it submits the next one, as gevent's ThreadPool.spawn waits
// for one of its maxsize threads. So one iteration queues at most Size calls and computes on at
// most Size workers (fewer when other work shares the pool), and an endless items is fine.
// Results that returned but cannot be yielded yet (an earlier item still runs, or the loop body
// is busy) are buffered without bound, as by gevent's imap without its maxsize argument; there is
// no such argument (pool.Imap has none either).
//
// Stopping early, by breaking out of the loop or by a panic of the loop body, stops the feeder (no
// further item is pulled) before the iteration returns, and does not wait for the submitted
// calls: those not started on a worker yet are skipped (fn never runs for them), those already
// running finish on their workers, since a goroutine cannot be interrupted, and their results
// are dropped on the hub as they arrive. Nothing is left to block or leak; the hub's loop stays
// alive only until those calls have returned, as it does for Spawn.
//
// The iteration yields one last pair (zero value, error) and ends early when the iterating
// greenlet, while it waits for a result, is killed (the kill's error, scheduler.ErrGreenletExit by
// default) or its wait fails otherwise (LoopExit); the calls are then left as on a break. A
// closed pool ends the feeding: the first item it refuses yields ErrClosed and the iteration ends
// after the calls already submitted (those it had queued yield ErrClosed too). A panic of items
// ends the feeding too and is yielded as a *scheduler.PanicError after the items before it
// (ImapUnordered: as soon as it happens). Hub-affine like Spawn: from a goroutine that is not on
// the pool's hub, or from the hub greenlet itself, where it could not wait, the iteration yields
// one (zero value, error matching scheduler.ErrNotGreenlet) and runs and pulls nothing.
func Imap[In, Out any](p *ThreadPool, fn func(In) (Out, error), items iter.Seq[In]) iter.Seq2[Out, error] {
	return imap(p, "threadpool.Imap", fn, items, true)
}

// ImapUnordered is Imap yielding the pairs in the order the calls return rather than the order
// of items (gevent's ThreadPool.imap_unordered), so that nothing waits behind a slow item.
func ImapUnordered[In, Out any](p *ThreadPool, fn func(In) (Out, error), items iter.Seq[In]) iter.Seq2[Out, error] {
	return imap(p, "threadpool.ImapUnordered", fn, items, false)
}

func imap[In, Out any](p *ThreadPool, op string, fn func(In) (Out, error), items iter.Seq[In], ordered bool) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		var zero Out
		h := p.hub
		if !h.OnHub() || h.InHub() {
			yield(zero, &scheduler.Error{Op: op, Err: scheduler.ErrNotGreenlet})
			return
		}
		slots, err := lock.NewSemaphore(p.size)
		if err != nil {
			yield(zero, err)
			return
		}
		q := queue.NewQueue[outcome[Out]](0) // unbounded: puts never block, so links may put
		var stopped atomic.Bool              // read by the workers of skipped calls
		put := func(o outcome[Out]) { _ = q.Put(o, false, 0) }
		feeder := scheduler.Go(func() error {
			n := 0
			defer func() {
				if x := recover(); x != nil {
					put(outcome[Out]{idx: n, err: &scheduler.PanicError{Value: x, Stack: debug.Stack()}})
					n++
				}
				put(outcome[Out]{idx: n, end: true})
			}()
			for it := range items {
				if stopped.Load() {
					break
				}
				if _, err := slots.Acquire(true, scheduler.Forever); err != nil || stopped.Load() {
					break // killed by the iteration's end
				}
				idx := n
				n++
				r := Spawn(p, func() (Out, error) {
					if stopped.Load() {
						return zero, errStopped
					}
					return fn(it)
				})
				r.Rawlink(func(scheduler.Linkable) {
					_, _ = slots.Release()
					put(outcome[Out]{idx: idx, v: r.v, err: r.err})
				})
				// A Result ready at once was refused by a closed pool: an accepted call is
				// delivered through Post, which cannot run before this greenlet switches.
				if r.Ready() {
					break
				}
			}
			return nil
		})
		feeder.SetName(op + " feeder")
		defer func() {
			stopped.Store(true)
			_ = feeder.Kill(nil, true, scheduler.Forever)
		}()
		pending := map[int]outcome[Out]{} // ordered: returned ahead of their turn
		next, total := 0, -1
		for total < 0 || next < total {
			o, err := q.Get(true, scheduler.Forever)
			if err != nil {
				yield(zero, err)
				return
			}
			if o.end {
				total = o.idx
				continue
			}
			if !ordered {
				next++
				if !yield(o.v, o.err) {
					return
				}
				continue
			}
			pending[o.idx] = o
			for {
				po, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if !yield(po.v, po.err) {
					return
				}
			}
		}
	}
}

// refused returns a Result that is ready at once with an error matching scheduler.ErrNotGreenlet.
func refused[T any](h *scheduler.Hub, op string) *Result[T] {
	return &Result[T]{hub: h, ready: true, err: &scheduler.Error{Op: op, Err: scheduler.ErrNotGreenlet}}
}

// ApplyAsync queues fn to run on a worker, like Spawn, and returns a Result at once (gevent's
// ThreadPool.apply_async). When fn returns without an error and callback is not nil, callback
// runs with the value in a new greenlet of the hub, where it may block; the Result becomes ready
// only when callback has returned, so Get after ApplyAsync also waits for the callback, as joining
// gevent's apply_async greenlet does. Its value is fn's value; its error is fn's error (callback
// then does not run, as in gevent), else callback's: a callback that returns an error or panics
// fails its greenlet, which the hub reports to its error handler as gevent's hub does, and
// the Result carries that error (a *scheduler.PanicError for a panic). With a nil callback
// ApplyAsync is Spawn.
//
// Unlike gevent, which starts a greenlet that calls apply, the call is queued at once and the only
// greenlet is the callback's, and an error of fn is not reported to the hub's error handler: it is
// the Result's, as Spawn's is. Hub-affine like Spawn: from a goroutine that is not on the pool's
// hub it runs nothing and the Result is ready at once with an error matching
// scheduler.ErrNotGreenlet.
func ApplyAsync[T any](p *ThreadPool, fn func() (T, error), callback func(T) error) *Result[T] {
	if !p.hub.OnHub() {
		return refused[T](p.hub, "threadpool.ApplyAsync")
	}
	r := Spawn(p, fn)
	if callback == nil {
		return r
	}
	out := &Result[T]{hub: p.hub}
	r.Rawlink(func(scheduler.Linkable) {
		if r.err != nil {
			out.set(r.v, r.err)
			return
		}
		runCallback(out, r.v, callback, "threadpool.ApplyAsync callback")
	})
	return out
}

// MapAsync queues fn on every item, as Map does, and returns a Result at once (gevent's
// ThreadPool.map_async). The Result becomes ready when Map would return: with the values in the
// order of items, or with the first error in that order and the values before it. When every
// call succeeded and callback is not nil, callback runs with the values in a new greenlet of the
// hub first, with ApplyAsync's rules for its errors. Like ApplyAsync, and unlike gevent, no
// greenlet waits for the calls. Hub-affine like Spawn: from a goroutine that is not on the pool's
// hub it runs nothing and the Result is ready at once with an error matching
// scheduler.ErrNotGreenlet.
func MapAsync[In, Out any](p *ThreadPool, fn func(In) (Out, error), items []In, callback func([]Out) error) *Result[[]Out] {
	if !p.hub.OnHub() {
		return refused[[]Out](p.hub, "threadpool.MapAsync")
	}
	out := &Result[[]Out]{hub: p.hub}
	rs := make([]*Result[Out], len(items))
	for i, it := range items {
		rs[i] = Spawn(p, func() (Out, error) { return fn(it) })
	}
	vals := make([]Out, len(items))
	next, done := 0, false
	advance := func(scheduler.Linkable) {
		if done {
			return
		}
		for ; next < len(rs) && rs[next].ready; next++ {
			if err := rs[next].err; err != nil {
				done = true
				out.set(vals[:next], err)
				return
			}
			vals[next] = rs[next].v
		}
		if next == len(rs) {
			done = true
			if callback == nil {
				out.set(vals, nil)
				return
			}
			runCallback(out, vals, callback, "threadpool.MapAsync callback")
		}
	}
	if len(rs) == 0 {
		advance(nil)
	}
	for _, r := range rs {
		r.Rawlink(advance)
	}
	return out
}

// runCallback runs callback(v) in a new greenlet named name and makes out ready with v and the
// greenlet's error once it ends (the GreenletExit of a greenlet killed by the hub's Destroy).
func runCallback[T any](out *Result[T], v T, callback func(T) error, name string) {
	g := scheduler.Go(func() error { return callback(v) })
	g.SetName(name)
	g.Rawlink(func(scheduler.Linkable) {
		err := g.Err()
		if err == nil {
			err = g.ExitErr()
		}
		out.set(v, err)
	})
}
