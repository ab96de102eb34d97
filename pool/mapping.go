package pool

import (
	"context"
	"iter"
	"runtime/debug"
	"slices"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// spawner returns s's group, checked for op; ErrNilArgument for a nil
// ctx (wait: the call waits), s or fn.
func spawner(op string, ctx context.Context, wait bool, s Spawner, fn any) (*Group, *scheduler.Hub, error) {
	if (wait && ctx == nil) || isNil(s) || isNil(fn) {
		return nil, nil, nilArg(op)
	}
	g := s.group()
	h, err := g.check(op, wait)
	if err != nil {
		return nil, nil, err
	}
	return g, h, nil
}

// Spawn starts fn in a new greenlet of s (gevent's spawn), on a bounded
// Pool after waiting for a free slot, or until ctx is done. It never waits
// on a Group, so a hub callback may spawn into one. The error is
// scheduler.ErrNilArgument (nil ctx, s or fn), scheduler.ErrNotGreenlet, or
// the wait's: scheduler.ContextError's, or what was thrown into the caller
// meanwhile (Kill, a Timeout, LoopExit).
func Spawn[T any](ctx context.Context, s Spawner, fn func() (T, error)) (*scheduler.Greenlet[T], error) {
	if ctx == nil {
		return nil, nilArg("Spawn")
	}
	return spawn(ctx, "Spawn", s, fn)
}

// TrySpawn is Spawn that does not wait: ErrPoolFull when the pool is full.
func TrySpawn[T any](s Spawner, fn func() (T, error)) (*scheduler.Greenlet[T], error) {
	return spawn(nil, "TrySpawn", s, fn)
}

// spawn is Spawn (ctx nil: TrySpawn) for op.
func spawn[T any](ctx context.Context, op string, s Spawner, fn func() (T, error)) (*scheduler.Greenlet[T], error) {
	// Checked before New, so that no greenlet is made for a refused call.
	g, h, err := spawner(op, ctx, false, s, fn)
	if err != nil {
		return nil, err
	}
	gr := scheduler.New(fn)
	if err := g.add(ctx, h, op, gr); err != nil {
		// Marks the never-started greenlet dead.
		_ = gr.KillAsync(nil)
		return nil, err
	}
	if err := gr.Start(); err != nil {
		// Not expected: gr is of the caller's hub and has a body.
		_ = g.Discard(gr)
		return nil, &Error{Op: op, Err: err}
	}
	return gr, nil
}

// Apply runs fn in a greenlet of s and returns its result (gevent's apply),
// waiting for a slot and then for the result until ctx is done. Called from
// a member of s it runs fn directly, as gevent does, so that it cannot
// deadlock on its own pool. fn's own error comes back as fn returned it, a
// panic in fn as a *scheduler.PanicError carrying its stack. When ctx ends
// first Apply returns its error and fn runs on, a member of s.
func Apply[R any](ctx context.Context, s Spawner, fn func() (R, error)) (R, error) {
	const op = "Apply"
	var zero R
	g, _, err := spawner(op, ctx, true, s, fn)
	if err != nil {
		return zero, err
	}
	if cur := scheduler.GetCurrent(); cur != nil {
		if _, member := g.members[cur]; member {
			return callDirect(fn)
		}
	}
	gr, err := spawn(ctx, op, s, fn)
	if err != nil {
		return zero, err
	}
	if err := gr.Join(ctx); err != nil {
		return zero, &Error{Op: op, Err: err}
	}
	return gr.Value(), gr.Err()
}

// callDirect calls fn, returning a panic as a *scheduler.PanicError, as a
// greenlet reports it.
func callDirect[R any](fn func() (R, error)) (v R, err error) {
	defer func() {
		if x := recover(); x != nil {
			var zero R
			v, err = zero, &scheduler.PanicError{Value: x, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// Map runs fn on every item in greenlets of s, spawned in the order of
// items (on a bounded Pool each waits for a free slot), and returns the
// results in that order (gevent's map) with the first failure in that order
// (a panic is a *scheduler.PanicError carrying its stack); the other
// greenlets run to the end. When ctx ends first, or a spawn fails, Map
// returns nil and that error, and the greenlets already spawned run on,
// members of s.
func Map[T, R any](ctx context.Context, s Spawner, fn func(T) (R, error), items []T) ([]R, error) {
	const op = "Map"
	if _, _, err := spawner(op, ctx, true, s, fn); err != nil {
		return nil, err
	}
	gs := make([]*scheduler.Greenlet[R], 0, len(items))
	for _, it := range items {
		gr, err := spawn(ctx, op, s, func() (R, error) { return fn(it) })
		if err != nil {
			return nil, err
		}
		gs = append(gs, gr)
	}
	out := make([]R, len(gs))
	var first error
	for i, gr := range gs {
		if err := gr.Join(ctx); err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		if err := gr.Err(); err != nil && first == nil {
			first = err
		}
		out[i] = gr.Value()
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
// up, and yields (result, error) pairs in the order of items (gevent's
// imap); a panic in fn is yielded as a *scheduler.PanicError carrying its
// stack, a panic in items as one too, after the results of the items before
// it, and ends the iteration. When ctx ends, or a spawn fails, the error is
// yielded and the iteration ends. Breaking out, or the end of ctx, kills
// the greenlets it still runs.
func Imap[T, R any](ctx context.Context, s Spawner, fn func(T) (R, error), items iter.Seq[T]) iter.Seq2[R, error] {
	return imap(ctx, "Imap", s, fn, items, true)
}

// ImapUnordered is Imap yielding results in the order they finish (gevent's
// imap_unordered).
func ImapUnordered[T, R any](ctx context.Context, s Spawner, fn func(T) (R, error), items iter.Seq[T]) iter.Seq2[R, error] {
	return imap(ctx, "ImapUnordered", s, fn, items, false)
}

func imap[T, R any](ctx context.Context, op string, s Spawner, fn func(T) (R, error), items iter.Seq[T], ordered bool) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		var zero R
		// Before the feeder, which must not be spawned for a refused call.
		if _, _, err := spawner(op, ctx, true, s, fn); err != nil {
			yield(zero, err)
			return
		}
		if items == nil {
			yield(zero, nilArg(op))
			return
		}
		f := &feeder[T, R]{op: op, s: s, fn: fn, q: queue.New[result[R]](0)}
		fg := scheduler.Go(func() error { f.run(ctx, items); return nil })
		defer func() {
			// Even once ctx is done, the kills wait for their greenlets.
			bg := context.WithoutCancel(ctx)
			_ = fg.Kill(bg, nil)
			_ = scheduler.KillAll(bg, f.running, nil)
		}()
		r := reorder[R]{ordered: ordered, pending: map[int]result[R]{}, total: -1}
		for !r.done() {
			res, err := f.q.Get(ctx)
			if err != nil {
				yield(zero, &Error{Op: op, Err: err})
				return
			}
			if !r.push(res, yield) {
				return
			}
		}
	}
}

// feeder spawns one greenlet per item and queues their results.
type feeder[T, R any] struct {
	op      string
	s       Spawner
	fn      func(T) (R, error)
	q       *queue.Queue[result[R]]
	running []*scheduler.Greenlet[R] // spawned, possibly finished: for the kill at the end
	prune   int                      // len(running) at which the finished ones are dropped
}

// run is the feeder greenlet's body. A panicking items sequence would
// otherwise kill it before the end marker, leaving the consumer waiting for
// good: the panic takes the next item's place and ends the results.
func (f *feeder[T, R]) run(ctx context.Context, items iter.Seq[T]) {
	i := 0
	defer func() {
		if x := recover(); x != nil {
			_ = f.q.TryPut(result[R]{idx: i, err: &scheduler.PanicError{Value: x, Stack: debug.Stack()}})
			_ = f.q.TryPut(result[R]{idx: i + 1, end: true})
		}
	}()
	for it := range items {
		idx := i
		i++
		gr, err := spawn(ctx, f.op, f.s, func() (R, error) { return f.fn(it) })
		if err != nil {
			_ = f.q.TryPut(result[R]{idx: idx, err: err})
			break
		}
		f.track(gr)
		gr.Rawlink(func(scheduler.Linkable) {
			_ = f.q.TryPut(result[R]{idx: idx, value: gr.Value(), err: gr.Err()})
		})
	}
	_ = f.q.TryPut(result[R]{idx: i, end: true})
}

// track remembers gr for the kill at the end, dropping the finished
// greenlets whenever the list doubled, so that a long iteration does not
// keep every greenlet it ran.
func (f *feeder[T, R]) track(gr *scheduler.Greenlet[R]) {
	if len(f.running) >= f.prune {
		f.running = slices.DeleteFunc(f.running, func(g *scheduler.Greenlet[R]) bool { return g.Ready() })
		f.prune = max(64, 2*len(f.running))
	}
	f.running = append(f.running, gr)
}

// reorder hands results to the consumer, in the order of items when
// ordered.
type reorder[R any] struct {
	ordered     bool
	pending     map[int]result[R]
	next, total int // results yielded; the item count once known, else -1
}

func (r *reorder[R]) done() bool { return r.total >= 0 && r.next >= r.total }

// push takes one queued result and yields what became due; false when the
// consumer stopped.
func (r *reorder[R]) push(res result[R], yield func(R, error) bool) bool {
	if res.end {
		r.total = res.idx
		return true
	}
	if !r.ordered {
		r.next++
		return yield(res.value, res.err)
	}
	r.pending[res.idx] = res
	for {
		pr, ok := r.pending[r.next]
		if !ok {
			return true
		}
		delete(r.pending, r.next)
		r.next++
		if !yield(pr.value, pr.err) {
			return false
		}
	}
}
