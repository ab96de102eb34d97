package pool

import (
	"context"
	"errors"
	"slices"

	"github.com/geventgo/geventgo/scheduler"
)

// ApplyAsync runs fn in a greenlet and returns that greenlet at once,
// without waiting, even on a full pool (gevent's apply_async); Get or Join
// on it waits for fn's result. When fn succeeds and callback is not nil,
// callback runs with the value in a greenlet of its own, which the group
// does not track and nobody waits for: an error or panic of callback goes
// to the hub's error handler. A failure of fn skips callback.
//
// When s has a free slot (a Group always has), the greenlet returned is
// fn's, a member of s, and callback runs from its link, switched to as it
// finishes (gevent's link). On a full pool, the greenlet returned is not a
// member: it waits for a slot, runs fn in a member as Apply does and then
// spawns callback (gevent's apply_cb in a fresh greenlet); its value and
// error are fn's. Kill it to give up: if it still waits for a slot, fn
// never runs, otherwise fn runs on in its member. Since either greenlet
// may be returned, join it, not the group, to wait for the result.
//
// A hub callback may call ApplyAsync. The error is scheduler.ErrNilArgument
// (nil s or fn) or scheduler.ErrNotGreenlet, and then nothing runs.
func ApplyAsync[R any](s Spawner, fn func() (R, error), callback func(R) error) (*scheduler.Greenlet[R], error) {
	const op = "ApplyAsync"
	gr, err := spawn(noWait, op, s, fn)
	switch {
	case err == nil:
		if callback != nil {
			linkCallback(gr, op, callback)
		}
		return gr, nil
	case !errors.Is(err, ErrPoolFull):
		return nil, err
	}
	// Full: a greenlet of its own waits for the slot (gevent's
	// apply_async on a full pool).
	gr = scheduler.Spawn(func() (R, error) {
		return applyCallback(context.Background(), op, s, fn, callback)
	})
	gr.SetName("pool.ApplyAsync")
	return gr, nil
}

// linkCallback runs callback with gr's value from gr's link once gr
// succeeded, in a greenlet of its own (gevent's link(pass_value(callback))).
func linkCallback[R any](gr *scheduler.Greenlet[R], op string, callback func(R) error) {
	gr.LinkValue(func(scheduler.Linkable) {
		if err := callback(gr.Value()); err != nil {
			gr.Hub().HandleError(&Error{Op: op + " callback", Err: err})
		}
	})
}

// ApplyCallback is Apply, then, when fn succeeded and callback is not nil,
// callback run with the value in a new greenlet that the group does not
// track (gevent's apply_cb): ApplyCallback returns fn's result without
// waiting for callback, whose error or panic goes to the hub's error
// handler. Waits and errors are Apply's.
func ApplyCallback[R any](ctx context.Context, s Spawner, fn func() (R, error), callback func(R) error) (R, error) {
	return applyCallback(ctx, "ApplyCallback", s, fn, callback)
}

func applyCallback[R any](ctx context.Context, op string, s Spawner, fn func() (R, error), callback func(R) error) (R, error) {
	v, err := apply(ctx, op, s, fn)
	if err == nil && callback != nil {
		cb := scheduler.Go(func() error { return callback(v) })
		cb.SetName("pool." + op + " callback")
	}
	return v, err
}

// MapAsync runs Map in a new greenlet and returns it at once (gevent's
// map_async); the greenlet's value is the results in the order of items,
// its error Map's. When Map succeeds and callback is not nil, the greenlet
// then calls callback with the results before it finishes, and fails with
// callback's error (a panic as a *scheduler.PanicError). The greenlet is
// not a member of s: the greenlets it spawns are. items is copied, so the
// caller may reuse it. Kill the greenlet to give up: items not spawned yet
// then never run, those spawned run on.
//
// A hub callback may call MapAsync. The error is scheduler.ErrNilArgument
// (nil s or fn) or scheduler.ErrNotGreenlet, and then nothing runs.
func MapAsync[T, R any](s Spawner, fn func(T) (R, error), items []T, callback func([]R) error) (*scheduler.Greenlet[[]R], error) {
	const op = "MapAsync"
	if _, _, err := spawner(op, nil, false, s, fn); err != nil {
		return nil, err
	}
	items = slices.Clone(items)
	gr := scheduler.Spawn(func() ([]R, error) {
		return mapCallback(context.Background(), op, s, fn, items, callback)
	})
	gr.SetName("pool.MapAsync")
	return gr, nil
}

// MapCallback is Map, then, when Map succeeded and callback is not nil,
// callback called with the results in the calling greenlet (gevent's
// map_cb); its error is returned with the results. Waits and errors are
// Map's.
func MapCallback[T, R any](ctx context.Context, s Spawner, fn func(T) (R, error), items []T, callback func([]R) error) ([]R, error) {
	return mapCallback(ctx, "MapCallback", s, fn, items, callback)
}

func mapCallback[T, R any](ctx context.Context, op string, s Spawner, fn func(T) (R, error), items []T, callback func([]R) error) ([]R, error) {
	out, err := mapAll(ctx, op, s, fn, items)
	if err != nil || callback == nil {
		return out, err
	}
	return out, callback(out)
}
