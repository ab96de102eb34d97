package scheduler

import (
	"context"
	"runtime"
	"time"
)

// Greenlet declares every method of its embedded task, each with a nil
// check: a method only promoted from task would be reached through Go's
// generated wrapper, which dereferences a nil *Greenlet before any code of
// the package runs. What a nil Greenlet answers is in Greenlet's doc.

// Name returns the greenlet's name, "Greenlet-<n>" unless SetName changed
// it; "<nil>" for a nil Greenlet.
func (g *Greenlet[T]) Name() string {
	if g == nil {
		return "<nil>"
	}
	return g.task.Name()
}

// SetName names the greenlet in reports.
func (g *Greenlet[T]) SetName(name string) {
	if g != nil {
		g.task.SetName(name)
	}
}

// String is the greenlet's name, as Name returns it.
func (g *Greenlet[T]) String() string { return g.Name() }

// Ready reports whether the greenlet finished (gevent's ready()).
// Goroutine-safe: once it returned true, Value, Err, ExitErr and Successful
// give the final outcome in any goroutine.
func (g *Greenlet[T]) Ready() bool { return g != nil && g.task.Ready() }

// Dead reports whether the greenlet finished or was killed before it ran.
// Goroutine-safe; off the greenlet's hub it is Ready, since the hub marks a
// failed greenlet dead only once its error handler heard of it.
func (g *Greenlet[T]) Dead() bool { return g != nil && g.task.Dead() }

// Started is gevent's bool(greenlet): scheduled or running, and not yet
// finished. Hub-affine: from a goroutine that is not one of the greenlet's
// hub it reports false.
func (g *Greenlet[T]) Started() bool { return g != nil && g.task.Started() }

// Successful reports whether the greenlet finished without an error; one
// that ended with GreenletExit (the default Kill) is successful.
// Goroutine-safe (see Ready).
func (g *Greenlet[T]) Successful() bool { return g != nil && g.task.Successful() }

// Err is the error the greenlet failed with (nil until it is ready and on
// success), gevent's exception. Goroutine-safe (see Ready).
func (g *Greenlet[T]) Err() error {
	if g == nil {
		return nil
	}
	return g.task.Err()
}

// ExitErr is the GreenletExit that ended a successful greenlet (Kill with
// the default error, or a body that returned ErrGreenletExit); gevent sets
// value to it. Nil until the greenlet is ready. Goroutine-safe (see Ready).
func (g *Greenlet[T]) ExitErr() error {
	if g == nil {
		return nil
	}
	return g.task.ExitErr()
}

// Hub returns the hub the greenlet belongs to, nil while a greenlet made
// outside any hub is not started yet. Goroutine-safe.
func (g *Greenlet[T]) Hub() *Hub {
	if g == nil {
		return nil
	}
	return g.task.Hub()
}

// Context returns a context that is cancelled, with the error as its cause,
// when the greenlet is killed (as the kill is delivered in the hub's
// callback round, just before the greenlet sees the error) or finishes
// (with its error, its GreenletExit, or context.Canceled after a success).
// Pass it to code that takes a context to stop it together with the
// greenlet. Goroutine-safe: any goroutine may ask for it at any time, the
// first call makes it and every call returns that one, done already (with
// that cause) when asked for after the kill or the end. A nil Greenlet,
// which never runs, returns context.Background().
func (g *Greenlet[T]) Context() context.Context {
	if g == nil {
		return context.Background()
	}
	return g.task.Context()
}

// Join waits until the greenlet is ready or ctx is done. It returns nil when
// the greenlet finished, whatever its outcome (Err tells); an *Error naming
// Greenlet.Join that wraps ContextError's error when ctx ended first; or the
// error thrown into the waiting greenlet, as it is. For a greenlet that
// finished on a hub since destroyed it returns nil at once, from any
// goroutine (see Get). A nil Greenlet returns ErrNilArgument.
func (g *Greenlet[T]) Join(ctx context.Context) error {
	if g == nil {
		return opErr("Greenlet.Join", ErrNilArgument)
	}
	return g.task.Join(ctx)
}

// Kill raises err (ErrGreenletExit when nil) in the greenlet and waits until
// it is dead or ctx is done (gevent's kill with block=True). A greenlet that
// never ran is marked dead at once and will never run. A greenlet may catch
// the error and go on running; Kill then returns when ctx ends. Killing a
// greenlet that finished does nothing and returns nil, from wherever Get
// would return its result: its hub's greenlets, and any goroutine once its
// hub's Destroy returned. A nil Greenlet returns ErrNilArgument.
func (g *Greenlet[T]) Kill(ctx context.Context, err error) error {
	if g == nil {
		return opErr("Greenlet.Kill", ErrNilArgument)
	}
	return g.task.Kill(ctx, err)
}

// KillAsync raises err (ErrGreenletExit when nil) in the greenlet at the
// hub's next callback round and returns at once (gevent's kill with
// block=False); Join waits for the outcome. Like Kill, it does nothing for
// a greenlet that finished. A nil Greenlet returns ErrNilArgument.
func (g *Greenlet[T]) KillAsync(err error) error {
	if g == nil {
		return opErr("Greenlet.KillAsync", ErrNilArgument)
	}
	return g.task.KillAsync(err)
}

// Start schedules the greenlet to start in the next drain of the hub's
// callbacks; it does nothing if it was started or killed already. It
// returns ErrNotGreenlet outside a greenlet of the greenlet's hub, before
// it reads anything the hub writes, and ErrNilArgument for a greenlet made
// with a nil body (and, from anywhere, for the zero Greenlet, which has
// none). A greenlet made by New outside any hub belongs to the hub of the
// first greenlet that starts it (even with a nil body); a greenlet of
// another hub starting it, at the same time or later, gets ErrNotGreenlet.
// A nil Greenlet returns ErrNilArgument.
func (g *Greenlet[T]) Start() error {
	if g == nil {
		return opErr("Greenlet.Start", ErrNilArgument)
	}
	return g.task.Start()
}

// StartLater schedules the greenlet to start d from now; see Start.
// A nil Greenlet returns ErrNilArgument.
func (g *Greenlet[T]) StartLater(d time.Duration) error {
	if g == nil {
		return opErr("Greenlet.StartLater", ErrNilArgument)
	}
	return g.task.StartLater(d)
}

// Rawlink registers fn to be called on the hub, with the greenlet, once the
// greenlet is ready; if it already is, fn is scheduled at once. Links run in
// registration order in one hub callback; links added while they run also
// run. fn must not block. Hub-affine: called from a goroutine that is not
// the greenlet's hub or one of its greenlets, it registers nothing and
// returns 0 (the links are the hub's state), as for a nil Greenlet. A
// greenlet refused at Spawn outside any hub has no hub: the first greenlet
// that links to it binds it to its own hub.
func (g *Greenlet[T]) Rawlink(fn func(Linkable)) LinkID {
	if g == nil {
		return 0
	}
	return g.task.Rawlink(fn)
}

// Link calls fn with the greenlet once it is ready, like Rawlink, but fn
// runs in a greenlet of its own (gevent's SpawnedLink), so it may block.
func (g *Greenlet[T]) Link(fn func(Linkable)) LinkID {
	if g == nil {
		return 0
	}
	return g.task.Link(fn)
}

// LinkValue is Link for a greenlet that finished successfully only.
func (g *Greenlet[T]) LinkValue(fn func(Linkable)) LinkID {
	if g == nil {
		return 0
	}
	return g.task.LinkValue(fn)
}

// LinkException is Link for a greenlet that failed only.
func (g *Greenlet[T]) LinkException(fn func(Linkable)) LinkID {
	if g == nil {
		return 0
	}
	return g.task.LinkException(fn)
}

// Unlink removes the link id; unknown ids are ignored, and so is a call
// from a goroutine that is not on the greenlet's hub. Hub-affine.
func (g *Greenlet[T]) Unlink(id LinkID) {
	if g != nil {
		g.task.Unlink(id)
	}
}

// UnlinkAll removes every link; a call from a goroutine that is not on the
// greenlet's hub is ignored, as Unlink's. Hub-affine.
func (g *Greenlet[T]) UnlinkAll() {
	if g != nil {
		g.task.UnlinkAll()
	}
}

// HasLinks reports whether links are registered and not yet called.
// Hub-affine: from a goroutine that is not one of the greenlet's hub it
// reports false.
func (g *Greenlet[T]) HasLinks() bool { return g != nil && g.task.HasLinks() }

// SpawningGreenlet returns the Greenlet that created g with New, Spawn, Go
// or SpawnLater (gevent's spawning_greenlet), or nil: when g was created by
// the main greenlet, by the hub greenlet (a callback), by a raw greenlet or
// a Link callback, outside a greenlet, and once g finished. Hub.Snapshot
// shows every kind of spawner. Hub-affine: from a goroutine that is not one
// of g's hub it returns nil.
func (g *Greenlet[T]) SpawningGreenlet() Runnable {
	if g == nil {
		return nil
	}
	return g.task.SpawningGreenlet()
}

// SpawningStack returns where g was created, innermost call first (the
// caller of New, Spawn, SpawnLater or Go, as gevent's starts at the caller
// of spawn), when its hub recorded spawn stacks then
// (Hub.SetRecordSpawnStacks; gevent's spawning_stack), at most 16 frames;
// nil otherwise and once g finished. Hub-affine: from a goroutine that is
// not one of g's hub it returns nil.
func (g *Greenlet[T]) SpawningStack() []runtime.Frame {
	if g == nil {
		return nil
	}
	return g.task.SpawningStack()
}
