// Package imap is the engine behind pool's and threadpool's Imap and ImapUnordered: a feeder
// greenlet pulls the items lazily and submits one call per item, never more than a limit
// outstanding, and the iterating greenlet yields the calls' outcomes in the order of items or as
// they finish.
//
// The two packages differ only in how a call is submitted (a greenlet spawned in a Group or Pool,
// a function queued on the thread pool) and in what an early end does to the calls still
// running, which they pass in a Config.
//
// The contract both packages document:
//   - items is pulled by the feeder only, one item per call submitted; once the iteration ends the
//     feeder is dead before Run returns, so nothing is pulled after a break;
//   - an error of Submit is that item's outcome and ends the feeding, as does a panic of items,
//     which is yielded as a *scheduler.PanicError after the outcomes of the items before it;
//   - a failed wait for the next outcome (ctx ended, a Kill or Timeout thrown into the iterating
//     greenlet, LoopExit) is yielded as one last pair and ends the iteration;
//   - breaking out, a panic of the loop body, or such a last pair, ends the iteration: Abandon
//     runs, the feeder is killed and Drop is given the calls that may still run.
//
// Everything runs on one hub: Run must be called from a greenlet of it that may wait (the
// packages check that first), and Submit, Abandon and Drop run on it.
package imap

import (
	"context"
	"iter"
	"math"
	"runtime/debug"
	"slices"

	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// Call is one submitted call: a greenlet, or a threadpool Result. Its links run on the hub once
// Value and Err hold its outcome.
type Call[R any] interface {
	scheduler.Linkable
	Value() R
	Err() error
}

// Config is how one package submits the calls of an iteration and ends it.
type Config[T, R any, C Call[R]] struct {
	// Name is the feeder greenlet's name, as LoopExit and the error handler show it.
	Name string
	// Ordered yields the outcomes in the order of items (Imap); otherwise as they arrive
	// (ImapUnordered).
	Ordered bool
	// Limit, when positive, is how many calls may be submitted and not yet finished: the feeder
	// waits for one to finish before it submits the next. Zero leaves the bound to Submit (a
	// bounded Pool's spawn waits for a slot).
	Limit int
	// Submit starts the call of one item on the feeder greenlet, waiting as it needs to. An
	// error is that item's outcome (with R's zero value) and ends the feeding.
	Submit func(item T) (C, error)
	// Abandon, when not nil, runs as the iteration ends, before the feeder is killed: the calls
	// submitted but not started yet may be skipped from then on.
	Abandon func()
	// Drop, when not nil, runs once the feeder is dead with the calls submitted that may still
	// run (some may have finished since); ctx never ends. Without Drop, calls are not tracked.
	Drop func(ctx context.Context, calls []C)
	// WaitError turns the cause of a failed wait for the next outcome (scheduler.ContextError's
	// error, or what was thrown into the iterating greenlet) into the one yielded.
	WaitError func(err error) error
}

// Bound gives the iteration of cfg gevent's maxsize of n (n >= 0): a semaphore of n that the
// feeder takes before each Submit and the loop gives back each time it asks for the next outcome
// (at the start, then after each pair its body accepted). It returns the yield that gives back.
// A failed take is wrapErr's error; only the feeder's kill at the iteration's end makes one, and
// nobody reads it then.
func Bound[T, R any, C Call[R]](cfg *Config[T, R, C], n int, wrapErr func(error) error, yield func(R, error) bool) func(R, error) bool {
	// Cannot fail: n is not negative. The Release below makes it n+1, which must not wrap around
	// at math.MaxInt; n that large bounds nothing anyway.
	ahead, _ := lock.NewSemaphore(min(n, math.MaxInt-1))
	submit := cfg.Submit
	cfg.Submit = func(it T) (C, error) {
		if err := ahead.Acquire(context.Background()); err != nil {
			var none C
			return none, wrapErr(err)
		}
		return submit(it)
	}
	_, _ = ahead.Release()
	return func(v R, err error) bool {
		if !yield(v, err) {
			return false
		}
		_, _ = ahead.Release()
		return true
	}
}

// outcome is one call's result on its way from its link to the iterating greenlet.
type outcome[R any] struct {
	idx int
	v   R
	err error
	end bool // the feeder is done; idx is the number of outcomes it sent before this one
}

// run is one iteration.
type run[T, R any, C Call[R]] struct {
	cfg     Config[T, R, C]
	q       *queue.Queue[outcome[R]] // unbounded: a put never waits, so links may put
	slots   *lock.Semaphore          // nil without a Limit
	stopped bool                     // the iteration ended: the feeder submits nothing more
	calls   []C                      // submitted, possibly finished: for Drop
	prune   int                      // len(calls) at which the finished ones are dropped
}

// Run feeds items to cfg.Submit and yields the outcomes until the feeder ended and every call it
// submitted delivered, or the consumer stopped, or a wait failed. ctx bounds the waits for
// outcomes only. The caller checked ctx, cfg's funcs and items for nil and its own affinity.
func Run[T, R any, C Call[R]](ctx context.Context, cfg Config[T, R, C], items iter.Seq[T], yield func(R, error) bool) {
	r := &run[T, R, C]{cfg: cfg, q: queue.New[outcome[R]](0)}
	if cfg.Limit > 0 {
		// Cannot fail: the value is positive.
		r.slots, _ = lock.NewSemaphore(cfg.Limit)
	}
	feeder := scheduler.Go(func() error { r.feed(items); return nil })
	if cfg.Name != "" {
		feeder.SetName(cfg.Name)
	}
	defer r.stop(ctx, feeder)
	if cfg.Ordered {
		r.yieldOrdered(ctx, yield)
	} else {
		r.yieldUnordered(ctx, yield)
	}
}

func (r *run[T, R, C]) put(o outcome[R]) { _ = r.q.TryPut(o) }

// feed is the feeder greenlet's body: it submits one call per item until items ends, Submit
// fails, or the iteration ends, then puts the end marker. A panic of items would otherwise kill
// it before the end marker, leaving the consumer waiting for good: the panic takes the next
// item's place and ends the outcomes.
func (r *run[T, R, C]) feed(items iter.Seq[T]) {
	n := 0
	defer func() {
		if x := recover(); x != nil {
			r.put(outcome[R]{idx: n, err: &scheduler.PanicError{Value: x, Stack: debug.Stack()}})
			n++
		}
		r.put(outcome[R]{idx: n, end: true})
	}()
	for it := range items {
		if !r.acquire() {
			break
		}
		idx := n
		n++
		c, err := r.cfg.Submit(it)
		if err != nil {
			r.release()
			r.put(outcome[R]{idx: idx, err: err})
			break
		}
		r.track(c)
		c.Rawlink(func(scheduler.Linkable) {
			r.release()
			r.put(outcome[R]{idx: idx, v: c.Value(), err: c.Err()})
		})
		// Submit may have waited past the iteration's end (woken before its kill
		// landed): then the next item must not be pulled.
		if r.stopped {
			break
		}
	}
}

// acquire takes a slot for the next call; false when the iteration ended meanwhile (the feeder
// is killed at its end, which fails the wait).
func (r *run[T, R, C]) acquire() bool {
	if r.stopped {
		return false
	}
	if r.slots == nil {
		return true
	}
	return r.slots.Acquire(context.Background()) == nil && !r.stopped
}

func (r *run[T, R, C]) release() {
	if r.slots != nil {
		_, _ = r.slots.Release()
	}
}

// track remembers c for Drop, dropping the finished calls whenever the list doubled, so that a
// long iteration does not keep every call it made.
func (r *run[T, R, C]) track(c C) {
	if r.cfg.Drop == nil {
		return
	}
	if len(r.calls) >= r.prune {
		r.calls = slices.DeleteFunc(r.calls, func(c C) bool { return c.Ready() })
		r.prune = max(64, 2*len(r.calls))
	}
	r.calls = append(r.calls, c)
}

// stop ends the iteration: Abandon, then the feeder's death, then Drop. Even once ctx is done,
// the kill waits for the feeder.
func (r *run[T, R, C]) stop(ctx context.Context, feeder *scheduler.Greenlet[struct{}]) {
	r.stopped = true
	if r.cfg.Abandon != nil {
		r.cfg.Abandon()
	}
	bg := context.WithoutCancel(ctx)
	_ = feeder.Kill(bg, nil)
	if r.cfg.Drop != nil {
		r.cfg.Drop(bg, r.calls)
	}
}

// next returns the next outcome; when the wait fails it yields the error and returns false.
func (r *run[T, R, C]) next(ctx context.Context, yield func(R, error) bool) (outcome[R], bool) {
	o, err := r.q.Get(ctx)
	if err != nil {
		if qe, ok := err.(*queue.Error); ok {
			// The queue is the engine's own: the caller's error names its call, not Queue.Get.
			err = qe.Err
		}
		var zero R
		yield(zero, r.cfg.WaitError(err))
		return o, false
	}
	return o, true
}

// yieldUnordered yields the outcomes as they come, until the feeder's end marker and every
// outcome it counted.
func (r *run[T, R, C]) yieldUnordered(ctx context.Context, yield func(R, error) bool) {
	for n, total := 0, -1; total < 0 || n < total; {
		o, ok := r.next(ctx, yield)
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

// yieldOrdered yields the outcomes in the order of items, holding back those that came ahead of
// their turn.
func (r *run[T, R, C]) yieldOrdered(ctx context.Context, yield func(R, error) bool) {
	ahead := map[int]outcome[R]{}
	for next, total := 0, -1; total < 0 || next < total; {
		o, ok := r.next(ctx, yield)
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
