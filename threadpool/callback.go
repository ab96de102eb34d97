package threadpool

import "context"

// ApplyCallback is Apply, then, when fn succeeded and callback is not nil, callback called with
// fn's value in the calling greenlet (gevent's ThreadPool.apply_cb, which calls it synchronously,
// where a Group's or Pool's apply_cb spawns it: see pool.ApplyCallback). callback may block, as
// the calling greenlet may. ApplyCallback returns fn's value with callback's error, as callback
// returned it (a panic of callback is the caller's own, as an exception of gevent's callback
// propagates to the caller of apply_cb). An error of fn (a panic as a *scheduler.PanicError) or
// of the wait (ctx ended, a Kill, a Timeout) skips callback and is returned as Apply returns it,
// named "ApplyCallback"; when the wait ends early, callback does not run later either, even if
// fn still returns. Refused as Apply is, and then neither fn nor callback runs.
func ApplyCallback[T any](ctx context.Context, p *ThreadPool, fn func() (T, error), callback func(T) error) (T, error) {
	v, err := apply(ctx, "ApplyCallback", p, fn)
	if err != nil || callback == nil {
		return v, err
	}
	return v, callback(v)
}

// MapCallback is Map, then, when Map succeeded and callback is not nil, callback called with the
// values in the calling greenlet (gevent's ThreadPool.map_cb); it returns the values with
// callback's error, as callback returned it. An error of Map (the first error in item order, or
// the wait's own) skips callback and is returned as Map returns it, named "MapCallback". Refused
// as Map is, and then neither fn nor callback runs.
func MapCallback[In, Out any](ctx context.Context, p *ThreadPool, fn func(In) (Out, error), items []In, callback func([]Out) error) ([]Out, error) {
	out, err := mapAll(ctx, "MapCallback", p, fn, items)
	if err != nil || callback == nil {
		return out, err
	}
	return out, callback(out)
}
