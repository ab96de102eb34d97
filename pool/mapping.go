package pool

import (
	"context"
	"iter"
	"runtime/debug"

	"github.com/geventgo/geventgo/internal/imap"
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
	return spawn(noWait, "TrySpawn", s, fn)
}

// spawn is Spawn (ctx nil: TrySpawn) for op.
func spawn[T any](ctx context.Context, op string, s Spawner, fn func() (T, error)) (*scheduler.Greenlet[T], error) {
	// Checked before New, so that no greenlet is made for a refused call.
	g, h, err := spawner(op, ctx, false, s, fn)
	if err != nil {
		return nil, err
	}
	gr := scheduler.New(fn)
	// gr is admissible and no member: New bound it to the caller's hub,
	// which spawner checked is h, and nobody else has it yet.
	if err := g.enlist(ctx, h, op, gr, true); err != nil {
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
	return apply(ctx, "Apply", s, fn)
}

func apply[R any](ctx context.Context, op string, s Spawner, fn func() (R, error)) (R, error) {
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
		return zero, waitErr(op, ctx, err)
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

// awaitLeft waits until none of the dead greenlets of rs is a member of g
// any more (awaitLeave). KillAll returns once they are dead, but until a
// member left it still counts in Len and holds its slot, so that right after
// an Imap's early end a TrySpawn on a Pool the iteration filled failed with
// ErrPoolFull.
func awaitLeft[G scheduler.Runnable](ctx context.Context, g *Group, rs []G) error {
	for _, r := range rs {
		if !r.Ready() {
			continue
		}
		if _, err := g.awaitLeave(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// Map runs fn on every item in greenlets of s, spawned in the order of
// items (on a bounded Pool each waits for a free slot), and returns the
// results in that order (gevent's map) with the first failure in that order
// (a panic is a *scheduler.PanicError carrying its stack); the other
// greenlets run to the end. When ctx ends first, or a spawn fails, Map
// returns nil and that error, and the greenlets already spawned run on,
// members of s.
func Map[T, R any](ctx context.Context, s Spawner, fn func(T) (R, error), items []T) ([]R, error) {
	return mapAll(ctx, "Map", s, fn, items)
}

func mapAll[T, R any](ctx context.Context, op string, s Spawner, fn func(T) (R, error), items []T) ([]R, error) {
	if _, _, err := spawner(op, ctx, true, s, fn); err != nil {
		return nil, err
	}
	gs := make([]*scheduler.Greenlet[R], len(items))
	out := make([]R, len(items))
	var first error
	// collect takes the results of the greenlets at the front that are
	// done, and drops them, so that a long map holds about as many
	// greenlets as run at once rather than one per item.
	next := 0
	collect := func(upTo int) {
		for ; next < upTo && gs[next].Ready(); next++ {
			if err := gs[next].Err(); err != nil && first == nil {
				first = err
			}
			out[next] = gs[next].Value()
			gs[next] = nil
		}
	}
	for i, it := range items {
		gr, err := spawn(ctx, op, s, func() (R, error) { return fn(it) })
		if err != nil {
			return nil, err
		}
		gs[i] = gr
		collect(i + 1)
	}
	for ; next < len(gs); collect(len(gs)) {
		if err := gs[next].Join(ctx); err != nil {
			return nil, waitErr(op, ctx, err)
		}
	}
	return out, first
}

// Imap runs fn on the items in greenlets of s, spawning them as slots free
// up, and yields (result, error) pairs in the order of items (gevent's
// imap); a panic in fn is yielded as a *scheduler.PanicError carrying its
// stack, a panic in items as one too, after the results of the items before
// it, and ends the iteration. items is pulled lazily, one item per greenlet
// spawned: on a bounded Pool at most Size run at once, but a Group spawns
// every item without waiting, so an endless items needs a Pool or
// ImapMaxSize. With ImapMaxSize(n), at most n results are spawned ahead of
// the one the loop waits for (gevent's maxsize): results that finished but
// were not yielded yet never number more than n while the loop body runs.
// When ctx ends, or a spawn fails, the error is yielded and the iteration
// ends. Breaking out, or the end of ctx, stops the pulling and kills the
// greenlets it still runs, waiting until they died and left s, so that their
// slots are free when the loop is over. A negative ImapMaxSize is yielded as
// ErrBadMaxSize, and nothing runs. Range over it in the greenlet itself:
// iter.Pull runs the sequence on a goroutine of its own, which is refused
// with scheduler.ErrNotGreenlet.
func Imap[T, R any](ctx context.Context, s Spawner, fn func(T) (R, error), items iter.Seq[T], opts ...ImapOption) iter.Seq2[R, error] {
	return mapIter(ctx, "Imap", s, fn, items, true, opts)
}

// ImapUnordered is Imap yielding results in the order they finish (gevent's
// imap_unordered).
func ImapUnordered[T, R any](ctx context.Context, s Spawner, fn func(T) (R, error), items iter.Seq[T], opts ...ImapOption) iter.Seq2[R, error] {
	return mapIter(ctx, "ImapUnordered", s, fn, items, false, opts)
}

// mapIter is Imap (ordered) or ImapUnordered on the shared engine: a call
// is a greenlet spawned in s, the pool's own slots bound them, and the ones
// still running at the end are killed.
func mapIter[T, R any](ctx context.Context, op string, s Spawner, fn func(T) (R, error), items iter.Seq[T], ordered bool, opts []ImapOption) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		var zero R
		// Before the feeder, which must not be spawned for a refused call.
		g, _, err := spawner(op, ctx, true, s, fn)
		if err != nil {
			yield(zero, err)
			return
		}
		if items == nil {
			yield(zero, nilArg(op))
			return
		}
		o, err := imapOptions(op, opts)
		if err != nil {
			yield(zero, err)
			return
		}
		cfg := imap.Config[T, R, *scheduler.Greenlet[R]]{
			Name:    "pool." + op + " feeder",
			Ordered: ordered,
			Submit: func(it T) (*scheduler.Greenlet[R], error) {
				return spawn(ctx, op, s, func() (R, error) { return fn(it) })
			},
			Drop: func(ctx context.Context, running []*scheduler.Greenlet[R]) {
				if scheduler.KillAll(ctx, running, nil) == nil {
					_ = awaitLeft(ctx, g, running)
				}
			},
			WaitError: func(err error) error { return waitErr(op, ctx, err) },
		}
		if o.bounded {
			yield = imap.Bound(&cfg, o.maxSize, func(err error) error { return waitErr(op, ctx, err) }, yield)
		}
		imap.Run(ctx, cfg, items, yield)
	}
}
