package pool

import (
	"context"

	"github.com/geventgo/geventgo/scheduler"
)

// Startable is a greenlet that Start can add and start: a
// *scheduler.Greenlet[T] made by scheduler.New.
type Startable interface {
	scheduler.Runnable
	Start() error
}

// Start adds r to the group and starts it (gevent's Group.start); r should
// not have been started, or it may finish before it is tracked. Like Add it
// never waits: on the Group of a bounded Pool it takes a free slot or fails
// with ErrPoolFull, and r is then neither added nor started (Pool.Start
// waits for a slot). Starting a member again adds nothing. The error is
// scheduler.ErrNilArgument (nil r), scheduler.ErrNotGreenlet (a caller or
// an r of another hub), ErrPoolFull, or Start's (a greenlet made with a nil
// body, which is then not added).
func (g *Group) Start(r Startable) error {
	const op = "Group.Start"
	h, err := g.check(op, false)
	if err != nil {
		return err
	}
	return g.start(noWait, h, op, r)
}

// Start adds r to the pool, waiting for a free slot first, or until ctx is
// done, and starts it (gevent's Pool.start); the errors are Pool.Add's and
// Group.Start's. r never starts when the wait fails.
func (p *Pool) Start(ctx context.Context, r Startable) error {
	const op = "Pool.Start"
	if ctx == nil {
		return nilArg(op)
	}
	g := p.group()
	h, err := g.check(op, false)
	if err != nil {
		return err
	}
	return g.start(ctx, h, op, r)
}

// TryStart is Pool.Start without waiting: ErrPoolFull when no slot is free.
func (p *Pool) TryStart(r Startable) error {
	const op = "Pool.TryStart"
	g := p.group()
	h, err := g.check(op, false)
	if err != nil {
		return err
	}
	return g.start(noWait, h, op, r)
}

// start adds r (waiting for a slot until ctx is done; a nil ctx does not
// wait) and starts it; an r it added that cannot start leaves again.
func (g *Group) start(ctx context.Context, h *scheduler.Hub, op string, r Startable) error {
	if isNil(r) {
		return nilArg(op)
	}
	_, member := g.members[r]
	if err := g.add(ctx, h, op, r); err != nil {
		return err
	}
	if err := r.Start(); err != nil {
		if !member {
			g.discardMember(r)
		}
		return &Error{Op: op, Err: err}
	}
	return nil
}

// KillOne raises err (scheduler.ErrGreenletExit when nil) in r if r is a
// member the group has not raised a kill in yet (gevent's killone), and
// waits until r is dead or ctx is done. r counts as being killed from then
// on: Kill, KillAsync and KillOne raise nothing more in it. A greenlet that
// is not a member is left alone and KillOne returns nil at once. Unlike
// gevent, which returns at once for a member it is already killing,
// KillOne waits for such a member too, so that nil always means r
// finished; r has then left the group too (a member leaves from its link,
// in a hub callback after its death: KillOne waits for that as well, also
// for an r that had died before the call). The error is
// scheduler.ErrNilArgument (nil ctx or r), scheduler.ErrNotGreenlet, or the
// wait's: scheduler.ContextError's, or what was thrown into the caller
// meanwhile (r is then still being killed).
func (g *Group) KillOne(ctx context.Context, r scheduler.Runnable, err error) error {
	return g.killOneWait(ctx, "Group.KillOne", r, err)
}

// killOneWait is KillOne and Pool.KillOne, whose errors name op.
func (g *Group) killOneWait(ctx context.Context, op string, r scheduler.Runnable, err error) error {
	if ctx == nil {
		return nilArg(op)
	}
	if _, e := g.check(op, true); e != nil {
		return e
	}
	if isNil(r) {
		return nilArg(op)
	}
	m, ok := g.members[r]
	if !ok {
		return nil
	}
	var e error
	switch {
	case !m.dying && r == scheduler.GetCurrent():
		// A member killing itself gets the kill in this wait, as in
		// gevent; a Join of itself would refuse to wait.
		m.dying = true
		g.members[r] = m
		e = r.Kill(ctx, err)
	case r == scheduler.GetCurrent() && ctx.Done() == nil:
		// A member already being killed, killing itself: it can never see
		// itself leave, where a wait from a link would never end. Join of
		// itself refuses that with ErrLoopExit, without waiting: the
		// refusal is this call's.
		e = scheduler.ErrLoopExit
	case r == scheduler.GetCurrent():
		// The same, with a ctx that can end: Join waits for it (or a kill).
		e = r.Join(ctx)
	default:
		// KillAsync and a wait for r to leave, not Kill nor Join, which
		// return at once for an r that died before this call, its links
		// (the group's among them) still queued.
		if e = g.killOne(op, r, err); e != nil {
			return e
		}
		var waited bool
		if waited, e = g.awaitLeave(ctx, r); e == nil && !waited {
			e = r.Join(ctx)
		}
	}
	if e != nil {
		return waitErr(op, ctx, e)
	}
	return nil
}

// KillOneAsync is KillOne without the wait (gevent's killone with
// block=False): it raises err in r if r is a member not yet being killed,
// and returns at once. A hub callback may call it.
func (g *Group) KillOneAsync(r scheduler.Runnable, err error) error {
	return g.killOneAsync("Group.KillOneAsync", r, err)
}

// killOneAsync is KillOneAsync and Pool.KillOneAsync, whose errors name op.
func (g *Group) killOneAsync(op string, r scheduler.Runnable, err error) error {
	if _, e := g.check(op, false); e != nil {
		return e
	}
	if isNil(r) {
		return nilArg(op)
	}
	return g.killOne(op, r, err)
}

// killOne raises err in r if r is a member not yet dying.
func (g *Group) killOne(op string, r scheduler.Runnable, err error) error {
	m, ok := g.members[r]
	if !ok || m.dying {
		return nil
	}
	m.dying = true
	g.members[r] = m
	if e := r.KillAsync(err); e != nil {
		return &Error{Op: op, Err: e}
	}
	return nil
}
