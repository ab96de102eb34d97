package scheduler

import "context"

// wait blocks the caller until t is ready or ctx is done (join/get).
func (t *task) wait(op string, ctx context.Context) error {
	if ctx == nil {
		return opErr(op, ErrNilArgument)
	}
	h := t.hub()
	c := currentCtx()
	if h.final(c) && t.Ready() {
		// Refused at Spawn, or finished on a hub since destroyed: the
		// outcome is final and no hub is needed to hand it over.
		return nil
	}
	if _, err := h.affine(c, op); err != nil {
		return err
	}
	if t.Ready() {
		return nil
	}
	c, err := h.mayBlock(c, op)
	if err != nil {
		return err
	}
	if c.task == t && ctx.Done() == nil {
		// A greenlet joining itself can only be woken by its context.
		return opErr(op, ErrLoopExit)
	}
	cw, err := h.arm(ctx, c)
	if err != nil {
		return opErr(op, err)
	}
	id := t.Rawlink(c.wakeLink())
	c.waitToken = t.impl
	c.waitingOn, c.waitArg = "join", t
	v, err := h.switchFrom(c)
	c.waitingOn, c.waitArg = "", nil
	c.waitToken = nil
	cw.end()
	if err != nil {
		t.Unlink(id)
		return ctxOpErr(op, ctx, err)
	}
	if v != Linkable(t.impl) {
		t.Unlink(id)
		return opErr(op, ErrInvalidSwitch)
	}
	return nil
}

// Join is Greenlet.Join, less the nil check.
func (t *task) Join(ctx context.Context) error { return t.wait("Greenlet.Join", ctx) }

// Kill is Greenlet.Kill, less the nil check.
func (t *task) Kill(ctx context.Context, err error) error {
	if ctx == nil {
		return opErr("Greenlet.Kill", ErrNilArgument)
	}
	if err == nil {
		err = ErrGreenletExit
	}
	h := t.hub()
	c := currentCtx()
	if h.final(c) && t.Ready() {
		// Refused at Spawn, or finished on a hub since destroyed: dead
		// for good, as Get and Join would tell from here.
		return nil
	}
	if _, cerr := h.affine(c, "Greenlet.Kill"); cerr != nil {
		return cerr
	}
	if t.killBeforeStart(err) || t.Ready() {
		return nil
	}
	if _, cerr := h.mayBlock(c, "Greenlet.Kill"); cerr != nil {
		return cerr
	}
	w := &Waiter{hub: h, label: "kill " + t.Name()}
	h.runCallbackArg(killCB, &killReq{t: t, err: err, w: w})
	if _, err := w.Get(ctx); err != nil {
		return ctxOpErr("Greenlet.Kill", ctx, err)
	}
	if err := t.Join(ctx); err != nil {
		return ctxOpErr("Greenlet.Kill", ctx, err)
	}
	return nil
}

// KillAsync is Greenlet.KillAsync, less the nil check.
func (t *task) KillAsync(err error) error {
	if err == nil {
		err = ErrGreenletExit
	}
	h := t.hub()
	c := currentCtx()
	if h.final(c) && t.Ready() {
		// Refused at Spawn, or finished on a hub since destroyed.
		return nil
	}
	if _, cerr := h.affine(c, "Greenlet.KillAsync"); cerr != nil {
		return cerr
	}
	if t.killBeforeStart(err) || t.Ready() {
		return nil
	}
	h.runCallbackArg(killCB, &killReq{t: t, err: err})
	return nil
}

type killReq struct {
	t   *task
	err error
	w   *Waiter
}

// killCB runs on the hub: throw into the greenlet, then wake the killer.
func killCB(a any) {
	r := a.(*killReq)
	t := r.t
	if !t.Ready() {
		t.cancelCtx(r.err)
	}
	if !t.Ready() && t.state == stRunning && t.ctx != nil {
		t.hub().throwInto(t.ctx, r.err)
	} else if t.state == stPending || t.state == stNew {
		t.killBeforeStart(r.err)
	}
	if r.w != nil {
		r.w.Switch(nil)
	}
}

// killBeforeStart cancels a greenlet that has not run yet and makes it dead
// with err as its outcome; it reports whether the greenlet is now dead.
func (t *task) killBeforeStart(err error) bool {
	switch t.state {
	case stNew, stPending:
		if t.state == stPending {
			t.cb.stop()
			if ht := t.startTimer(); ht != nil {
				t.hub().putTimer(ht)
				t.x.Load().startTimer = nil
			}
		}
		t.fn0()
		t.finish(err)
		return true
	case stDead:
		return true
	}
	return false
}

// fn0 drops the body of a greenlet that will never run.
func (t *task) fn0() {
	if d, ok := t.impl.(interface{ dropBody() }); ok {
		d.dropBody()
	}
}

func (g *Greenlet[T]) dropBody() { g.fn, g.fnErr = nil, nil }
