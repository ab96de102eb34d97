package threadpool

import (
	"context"
	"iter"
	"runtime/debug"

	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

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
// as a *scheduler.PanicError with fn's stack) is yielded with whatever value fn returned, in that
// item's place, and the iteration goes on.
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
func Imap[In, Out any](ctx context.Context, p *ThreadPool, fn func(In) (Out, error), items iter.Seq[In]) iter.Seq2[Out, error] {
	return imap(ctx, p, "Imap", fn, items, true)
}

// ImapUnordered is Imap yielding the pairs in the order the calls return rather than the order
// of items (gevent's ThreadPool.imap_unordered), so that nothing waits behind a slow item.
func ImapUnordered[In, Out any](ctx context.Context, p *ThreadPool, fn func(In) (Out, error), items iter.Seq[In]) iter.Seq2[Out, error] {
	return imap(ctx, p, "ImapUnordered", fn, items, false)
}

func imap[In, Out any](ctx context.Context, p *ThreadPool, op string, fn func(In) (Out, error), items iter.Seq[In], ordered bool) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		m, err := newImapRun(ctx, p, op, fn, items)
		if err != nil {
			var zero Out
			yield(zero, err)
			return
		}
		feeder := scheduler.Go(m.feed)
		feeder.SetName("threadpool." + op + " feeder")
		defer m.stop(feeder)
		if ordered {
			m.yieldOrdered(ctx, yield)
		} else {
			m.yieldUnordered(ctx, yield)
		}
	}
}

// imapRun is one iteration of Imap or ImapUnordered: its feeder greenlet submits the items' calls
// and the calls' links put their outcomes in q, from which the iterating greenlet yields them.
type imapRun[In, Out any] struct {
	p     *ThreadPool
	h     *scheduler.Hub
	op    string
	fn    func(In) (Out, error)
	items iter.Seq[In]
	slots *lock.Semaphore            // one per call submitted and not yet returned
	q     *queue.Queue[outcome[Out]] // unbounded: puts never block, so links may put
	a     abandon                    // set when the iteration ends: the queued calls are skipped
}

// newImapRun checks the arguments and the caller for op.
func newImapRun[In, Out any](ctx context.Context, p *ThreadPool, op string, fn func(In) (Out, error), items iter.Seq[In]) (*imapRun[In, Out], error) {
	if ctx == nil || fn == nil || items == nil {
		return nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := p.check(op, true)
	if err != nil {
		return nil, err
	}
	slots, err := lock.NewSemaphore(p.Size())
	if err != nil {
		return nil, opErr(op, err)
	}
	return &imapRun[In, Out]{p: p, h: h, op: op, fn: fn, items: items, slots: slots, q: queue.New[outcome[Out]](0)}, nil
}

func (m *imapRun[In, Out]) put(o outcome[Out]) { _ = m.q.TryPut(o) }

// feed is the feeder greenlet: it pulls the items and submits their calls, at most Size
// outstanding, until items ends, the pool refuses one, or the iteration ends; then it puts the
// end marker. A panic of items is one more outcome.
func (m *imapRun[In, Out]) feed() error {
	n := 0
	defer func() {
		if x := recover(); x != nil {
			m.put(outcome[Out]{idx: n, err: &scheduler.PanicError{Value: x, Stack: debug.Stack()}})
			n++
		}
		m.put(outcome[Out]{idx: n, end: true})
	}()
	for it := range m.items {
		if !m.acquire() {
			break
		}
		r := m.submit(n, it)
		n++
		// A Result ready at once was refused by a closed pool: an accepted call is delivered
		// through Post, which cannot run before this greenlet switches.
		if r.Ready() {
			break
		}
	}
	return nil
}

// acquire takes a slot for the next call; false when the iteration ended meanwhile (the feeder
// is killed at its end, which fails the wait).
func (m *imapRun[In, Out]) acquire() bool {
	if m.a.gone.Load() {
		return false
	}
	return m.slots.Acquire(context.Background()) == nil && !m.a.gone.Load()
}

// submit starts the call of item number idx; its link frees the slot and puts the outcome.
func (m *imapRun[In, Out]) submit(idx int, it In) *Result[Out] {
	r := start(m.p, m.h, m.op, func() (Out, error) { return m.fn(it) }, &m.a)
	r.Rawlink(func(scheduler.Linkable) {
		_, _ = m.slots.Release()
		m.put(outcome[Out]{idx: idx, v: r.v, err: r.err})
	})
	return r
}

// stop ends the iteration: the calls not started yet are skipped and the feeder is killed.
func (m *imapRun[In, Out]) stop(feeder *scheduler.Greenlet[struct{}]) {
	m.a.gone.Store(true)
	_ = feeder.Kill(context.Background(), nil)
}

// next returns the next outcome; when the wait fails it yields the error and returns false.
func (m *imapRun[In, Out]) next(ctx context.Context, yield func(Out, error) bool) (outcome[Out], bool) {
	o, err := m.q.Get(ctx)
	if err != nil {
		var zero Out
		yield(zero, opErr(m.op, err))
		return o, false
	}
	return o, true
}

// yieldUnordered yields the outcomes as they come, until the feeder's end marker and every call
// it counted.
func (m *imapRun[In, Out]) yieldUnordered(ctx context.Context, yield func(Out, error) bool) {
	for n, total := 0, -1; total < 0 || n < total; {
		o, ok := m.next(ctx, yield)
		switch {
		case !ok:
			return
		case o.end:
			total = o.idx
		default:
			n++
			if !yield(o.v, o.err) {
				return
			}
		}
	}
}

// yieldOrdered yields the outcomes in item order, holding back those that came ahead of their
// turn.
func (m *imapRun[In, Out]) yieldOrdered(ctx context.Context, yield func(Out, error) bool) {
	ahead := map[int]outcome[Out]{}
	for next, total := 0, -1; total < 0 || next < total; {
		o, ok := m.next(ctx, yield)
		if !ok {
			return
		}
		if o.end {
			total = o.idx
			continue
		}
		ahead[o.idx] = o
		for o, ok := ahead[next]; ok; o, ok = ahead[next] {
			delete(ahead, next)
			next++
			if !yield(o.v, o.err) {
				return
			}
		}
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
