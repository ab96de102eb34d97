package threadpool

import (
	"context"
	"errors"
	"iter"

	"github.com/geventgo/geventgo/internal/imap"
	"github.com/geventgo/geventgo/scheduler"
)

// Imap runs fn on the items on the pool's workers and yields the (value, error) pairs in the
// order of items, each as soon as it and every one before it have returned (gevent's
// ThreadPool.imap). It is typed as pool.Imap: items is pulled lazily, and an error of fn (a panic
// as a *scheduler.PanicError with fn's stack) is yielded with whatever value fn returned, in that
// item's place, and the iteration goes on.
//
// A feeder greenlet pulls the items and submits them, never more than Size at once: it waits for
// a submitted call to return before it submits the next one, as gevent's ThreadPool.spawn waits
// for one of its maxsize threads. So one iteration queues at most Size calls and computes on at
// most Size workers (fewer when other work shares the pool), and an endless items is fine.
// Results that returned but cannot be yielded yet (an earlier item still runs, or the loop body
// is busy) are buffered without bound, as by gevent's imap without its maxsize argument, unless
// ImapMaxSize(n) bounds the look-ahead (gevent's maxsize): then at most n items are submitted
// ahead of the result the loop asks for next. A negative ImapMaxSize is yielded as ErrBadMaxSize
// (after the refusals below), and nothing is pulled or run.
//
// Stopping early, by breaking out of the loop or by a panic of the loop body, stops the feeder (no
// further item is pulled) before the iteration returns, and does not wait for the submitted
// calls: those not started on a worker yet are skipped (fn never runs for them), those already
// running finish on their workers, since a goroutine cannot be interrupted, and their results
// are dropped on the hub as they arrive. Nothing is left to block or leak; the hub's loop stays
// alive only until those calls have returned, as it does for Spawn.
//
// ctx bounds the iteration's waits for results: when it ends first, the iteration yields one
// last pair (zero value, scheduler.ContextError's error) and ends, leaving the calls as a break
// does. It yields such a last pair too when the iterating greenlet, while it waits for a result,
// is killed (the kill's error, scheduler.ErrGreenletExit by default) or its wait fails otherwise
// (LoopExit). A closed pool ends the feeding: the first item it refuses yields ErrClosed and the
// iteration ends after the calls already submitted (those it had queued yield ErrClosed too). A
// panic of items ends the feeding too and is yielded as a *scheduler.PanicError after the items
// before it (ImapUnordered: as soon as it happens). Hub-affine like Apply: from a goroutine that
// is not a greenlet of the pool's hub, or from the hub greenlet itself, where it could not wait,
// the iteration yields one (zero value, error matching scheduler.ErrNotGreenlet) and runs and
// pulls nothing; a nil ctx, pool, fn or items yields scheduler.ErrNilArgument the same way.
func Imap[In, Out any](ctx context.Context, p *ThreadPool, fn func(In) (Out, error), items iter.Seq[In], opts ...ImapOption) iter.Seq2[Out, error] {
	return mapIter(ctx, p, "Imap", fn, items, true, opts)
}

// ImapUnordered is Imap yielding the pairs in the order the calls return rather than the order
// of items (gevent's ThreadPool.imap_unordered), so that nothing waits behind a slow item. With
// ImapMaxSize, too, no result waits to be yielded behind an earlier one.
func ImapUnordered[In, Out any](ctx context.Context, p *ThreadPool, fn func(In) (Out, error), items iter.Seq[In], opts ...ImapOption) iter.Seq2[Out, error] {
	return mapIter(ctx, p, "ImapUnordered", fn, items, false, opts)
}

// mapIter is Imap (ordered) or ImapUnordered on the shared engine: a call is a function queued
// on p, at most Size of them outstanding (and, with ImapMaxSize, at most maxsize ahead of the
// loop), and the ones not started on a worker when the iteration ends are skipped.
func mapIter[In, Out any](ctx context.Context, p *ThreadPool, op string, fn func(In) (Out, error), items iter.Seq[In], ordered bool, opts []ImapOption) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		var zero Out
		if ctx == nil || fn == nil || items == nil {
			yield(zero, &Error{Op: op, Err: scheduler.ErrNilArgument})
			return
		}
		h, err := p.check(op, true)
		if err != nil {
			yield(zero, err)
			return
		}
		o, err := imapOptions(op, opts)
		if err != nil {
			yield(zero, err)
			return
		}
		if err := p.refusal(ctx); errors.Is(err, ErrClosed) {
			yield(zero, &Error{Op: op, Err: err}) // before the context's end, as Apply
			return
		}
		a := &abandon{}
		cfg := imap.Config[In, Out, *Result[Out]]{
			Name:    "threadpool." + op + " feeder",
			Ordered: ordered,
			Limit:   p.Size(),
			Submit: func(it In) (*Result[Out], error) {
				r := start(p, h, op, func() (Out, error) { return fn(it) }, a)
				// A Result ready at once was refused by a closed pool: an accepted call is
				// delivered through Post, which cannot run before the feeder switches.
				if r.Ready() {
					return nil, r.err
				}
				return r, nil
			},
			Abandon:   func() { a.gone.Store(true) },
			WaitError: func(err error) error { return waitErr(op, ctx, err) },
		}
		if o.bounded {
			yield = imap.Bound(&cfg, o.maxSize, func(err error) error { return &Error{Op: op, Err: err} }, yield)
		}
		imap.Run(ctx, cfg, items, yield)
	}
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
// the Result's, as Spawn's is. Refused like Spawn: the Result is then ready at once with the
// error (scheduler.ErrNotGreenlet from a goroutine that is not a greenlet of the pool's hub).
func ApplyAsync[T any](p *ThreadPool, fn func() (T, error), callback func(T) error) *Result[T] {
	h, err := p.check("ApplyAsync", false)
	if err != nil {
		return refused[T](err)
	}
	if fn == nil {
		return refused[T](&Error{Op: "ApplyAsync", Err: scheduler.ErrNilArgument})
	}
	r := start(p, h, "ApplyAsync", fn, nil)
	if callback == nil {
		return r
	}
	out := pending[T](h, "ApplyAsync")
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
// greenlet waits for the calls, and none is skipped. Refused like Spawn: the Result is then
// ready at once with the error.
func MapAsync[In, Out any](p *ThreadPool, fn func(In) (Out, error), items []In, callback func([]Out) error) *Result[[]Out] {
	h, err := p.check("MapAsync", false)
	if err != nil {
		return refused[[]Out](err)
	}
	if fn == nil {
		return refused[[]Out](&Error{Op: "MapAsync", Err: scheduler.ErrNilArgument})
	}
	out := pending[[]Out](h, "MapAsync")
	rs := make([]*Result[Out], len(items))
	for i, it := range items {
		rs[i] = start(p, h, "MapAsync", func() (Out, error) { return fn(it) }, nil)
	}
	vals := make([]Out, len(items))
	next, done := 0, false
	advance := func(scheduler.Linkable) {
		if done {
			return
		}
		for ; next < len(rs) && rs[next].Ready(); next++ {
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
