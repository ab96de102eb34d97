package scheduler

import (
	"iter"
	"time"
)

// Rawlink registers fn to be called on the hub, with the greenlet, once the
// greenlet is ready; if it already is, fn is scheduled at once. Links run in
// registration order in one hub callback; links added while they run also
// run. fn must not block. Hub-affine: called from a goroutine that is not
// the greenlet's hub or one of its greenlets, it registers nothing and
// returns 0 (the links are the hub's state).
func (t *task) Rawlink(fn func(Linkable)) LinkID {
	if c := currentCtx(); c == nil || c.hub != t.hub {
		return 0
	}
	t.linkSeq++
	if t.links == nil {
		t.links = t.links0[:0]
	}
	t.links = append(t.links, linkEntry{id: t.linkSeq, fn: fn})
	if t.ready && !t.notifier.Pending() {
		t.notifier = t.hub.runCallbackArg(notifyLinks, t)
	}
	return t.linkSeq
}

// Unlink removes the link id; unknown ids are ignored, and so is a call
// from a goroutine that is not on the greenlet's hub. Hub-affine.
func (t *task) Unlink(id LinkID) {
	if c := currentCtx(); c == nil || c.hub != t.hub {
		return
	}
	for i := range t.links {
		if t.links[i].id == id {
			copy(t.links[i:], t.links[i+1:])
			t.links[len(t.links)-1] = linkEntry{}
			t.links = t.links[:len(t.links)-1]
			return
		}
	}
}

// HasLinks reports whether links are registered and not yet called.
func (t *task) HasLinks() bool { return len(t.links) > 0 }

// UnlinkAll removes every link.
func (t *task) UnlinkAll() {
	clear(t.links)
	t.links = t.links[:0]
}

// Link calls fn with the greenlet once it is ready, like Rawlink, but fn
// runs in a greenlet of its own (gevent's SpawnedLink), so it may block.
func (t *task) Link(fn func(Linkable)) LinkID {
	return t.Rawlink(t.hub.spawnedLink(fn, nil))
}

// LinkValue is Link for a greenlet that finished successfully only.
func (t *task) LinkValue(fn func(Linkable)) LinkID {
	return t.Rawlink(t.hub.spawnedLink(fn, func(l Linkable) bool { return l.(Runnable).Successful() }))
}

// LinkException is Link for a greenlet that failed only.
func (t *task) LinkException(fn func(Linkable)) LinkID {
	return t.Rawlink(t.hub.spawnedLink(fn, func(l Linkable) bool { return !l.(Runnable).Successful() }))
}

// linkJob runs a Link callback on a worker greenlet.
type linkJob struct {
	fn  func(Linkable)
	src Linkable
}

func (j *linkJob) runOn(c *gctx) {
	defer func() {
		if r := recover(); r != nil {
			c.hub.HandleError(opErr("link", panicError(r)))
		}
	}()
	j.fn(j.src)
}

// spawnedLink wraps fn so that it runs in its own greenlet, switched to
// directly from the notifying callback as gevent does.
func (h *Hub) spawnedLink(fn func(Linkable), filter func(Linkable) bool) func(Linkable) {
	return func(src Linkable) {
		if filter != nil && !filter(src) {
			return
		}
		h.runJob(&linkJob{fn: fn, src: src})
	}
}

// runJob switches from the hub into an idle (or new) worker running j.
func (h *Hub) runJob(j job) {
	var c *gctx
	if w := h.getWorker(); w != nil {
		c = w.ctx
	} else {
		w := &worker{}
		c = &gctx{hub: h, name: "worker", w: w}
		w.ctx = c
		c.raw = newRaw(h.raw, w.main)
		c.raw.Value = c
	}
	h.switchInto(c, j)
}

// notifyLinks runs on the hub: it calls the links in order until none is
// left, reporting (and surviving) a panicking link.
func notifyLinks(a any) {
	t := a.(*task)
	for len(t.links) > 0 {
		l := t.links[0]
		copy(t.links, t.links[1:])
		t.links[len(t.links)-1] = linkEntry{}
		t.links = t.links[:len(t.links)-1]
		t.callLink(l.fn)
	}
}

func (t *task) callLink(fn func(Linkable)) {
	defer func() {
		if r := recover(); r != nil {
			t.hub.HandleError(opErr("link of "+t.Name(), panicError(r)))
		}
	}()
	fn(t.impl)
}

// wake returns the link that switches back into greenlet c with the ready
// object, cached per greenlet so joins do not allocate a closure.
func (c *gctx) wakeLink() func(Linkable) {
	if c.wake == nil {
		h := c.hub
		c.wake = func(l Linkable) {
			if c.waitToken == l {
				c.waitToken = nil
				h.switchInto(c, l)
			}
		}
	}
	return c.wake
}

// wait blocks the caller until t is ready or timeout expires (join/get).
func (t *task) wait(op string, timeout time.Duration) error {
	h := t.hub
	c := currentCtx()
	if c == nil || c.hub != h {
		return opErr(op, ErrNotGreenlet)
	}
	if t.ready {
		return nil
	}
	c, err := h.mayBlock(c, op)
	if err != nil {
		return err
	}
	if c.task == t {
		// A greenlet joining itself can only be woken by a timeout.
		if timeout < 0 {
			return opErr(op, ErrLoopExit)
		}
	}
	id := t.Rawlink(c.wakeLink())
	var tm *Timeout
	if timeout >= 0 {
		tm = StartTimeout(timeout)
	}
	c.waitToken = t.impl
	c.waitingOn, c.waitArg = "join", t
	v, err := h.switchFrom(c)
	c.waitingOn, c.waitArg = "", nil
	c.waitToken = nil
	if tm != nil {
		tm.Cancel()
	}
	if err != nil {
		t.Unlink(id)
		return err
	}
	if v != Linkable(t.impl) {
		t.Unlink(id)
		return opErr(op, ErrInvalidSwitch)
	}
	return nil
}

// Join waits until the greenlet is ready or timeout expires (Forever: no
// limit). It returns nil when the greenlet finished, whatever its outcome;
// the Timeout's error when timeout expired (gevent returns None then); or
// the error thrown into the waiting greenlet.
func (t *task) Join(timeout time.Duration) error { return t.wait("Greenlet.Join", timeout) }

// Kill raises err (ErrGreenletExit when nil) in the greenlet (gevent's
// kill). A greenlet that never ran is marked dead at once and will never
// run. With block, Kill waits until the greenlet is dead or timeout expires.
// A greenlet may catch the error and go on running.
func (t *task) Kill(err error, block bool, timeout time.Duration) error {
	if err == nil {
		err = ErrGreenletExit
	}
	h := t.hub
	if c := currentCtx(); c == nil || c.hub != h {
		return opErr("Greenlet.Kill", ErrNotGreenlet)
	}
	if t.killBeforeStart(err) || t.ready {
		return nil
	}
	if !block {
		h.runCallbackArg(killCB, &killReq{t: t, err: err})
		return nil
	}
	if _, cerr := h.blockingCtx("Greenlet.Kill"); cerr != nil {
		return cerr
	}
	w := &Waiter{hub: h, label: "kill " + t.Name()}
	h.runCallbackArg(killCB, &killReq{t: t, err: err, w: w})
	if _, err := w.Get(); err != nil {
		return err
	}
	return t.Join(timeout)
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
	if t.cancel0 != nil && !t.ready {
		t.cancel0(r.err)
	}
	if !t.ready && t.state == stRunning && t.ctx != nil {
		t.hub.throwInto(t.ctx, r.err)
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
			t.startCB.Stop()
			if t.startTimer != nil {
				t.hub.putTimer(t.startTimer)
				t.startTimer = nil
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

func (g *Greenlet[T]) dropBody() { g.fn = nil }

// Joinable is a Linkable with an outcome, for JoinAll's raiseError.
type Joinable interface {
	Linkable
	// Err returns the error the object failed with, nil while it is not
	// ready and on success; JoinAll returns the first non-nil one.
	Err() error
}

// Killable is a greenlet of this package, for KillAll.
type Killable interface {
	Linkable
	base() *task
}

// Wait waits until count of objects are ready (count <= 0: all of them) or
// timeout expires, and returns the ready ones in the order they became
// ready (gevent.wait). A timeout is not an error: fewer objects come back.
func Wait(objects []Linkable, count int, timeout time.Duration) ([]Linkable, error) {
	var done []Linkable
	for o, err := range IWait(objects, count, timeout) {
		if err != nil {
			return done, err
		}
		done = append(done, o)
	}
	return done, nil
}

// IWait yields objects as they become ready, in readiness order, until count
// (count <= 0: all) were yielded or timeout expires (gevent.iwait). If the
// wait fails (LoopExit, Kill of the waiting greenlet) it yields (nil, err)
// and stops. Objects bound to another hub than the caller's give
// ErrNotGreenlet before anything is linked (waiting across hubs is not
// supported), and so does a wait without a time limit from a goroutine that
// has no hub yet; with a timeout, such a goroutine gets its hub, as with any
// first scheduler call. Breaking out of the loop unlinks
// cleanly.
func IWait(objects []Linkable, count int, timeout time.Duration) iter.Seq2[Linkable, error] {
	return func(yield func(Linkable, error) bool) {
		if count <= 0 || count > len(objects) {
			count = len(objects)
		}
		if count == 0 {
			return
		}
		h := CurrentHub()
		if h == nil {
			// A goroutine's first scheduler call creates its hub, unless
			// the wait could only fail: objects of another hub, or no time
			// limit on objects nothing here can make ready (LoopExit, and a
			// hub left behind).
			for _, o := range objects {
				if b, ok := o.(interface{ Hub() *Hub }); ok && b.Hub() != nil {
					yield(nil, opErr("IWait on an object of another hub", ErrNotGreenlet))
					return
				}
			}
			if timeout < 0 {
				yield(nil, opErr("IWait", ErrNotGreenlet))
				return
			}
			h = GetHub()
		}
		c, err := h.blockingCtx("IWait")
		if err != nil {
			yield(nil, err)
			return
		}
		for _, o := range objects {
			if b, ok := o.(interface{ Hub() *Hub }); ok {
				if oh := b.Hub(); oh != nil && oh != h {
					yield(nil, opErr("IWait on an object of another hub", ErrNotGreenlet))
					return
				}
			}
		}
		var queue []Linkable
		waiting := false
		notify := func(l Linkable) {
			queue = append(queue, l)
			if waiting {
				waiting = false
				h.switchInto(c, iwaitToken)
			}
		}
		ids := make([]LinkID, len(objects))
		for i, o := range objects {
			ids[i] = o.Rawlink(notify)
		}
		defer func() {
			for i, o := range objects {
				o.Unlink(ids[i])
			}
		}()
		var tm *Timeout
		if timeout >= 0 {
			tm = StartTimeout(timeout)
			defer tm.Cancel()
		}
		for n := 0; n < count; n++ {
			for len(queue) == 0 {
				waiting = true
				c.waitingOn = "iwait"
				v, err := h.switchFrom(c)
				c.waitingOn = ""
				waiting = false
				if err != nil {
					if tm != nil && err == error(tm) {
						return
					}
					yield(nil, err)
					return
				}
				if v != iwaitToken {
					yield(nil, opErr("IWait", ErrInvalidSwitch))
					return
				}
			}
			o := queue[0]
			queue = queue[1:]
			if !yield(o, nil) {
				return
			}
		}
	}
}

var iwaitToken = new(struct{ byte })

// JoinAll waits for the greenlets to finish or timeout to expire and returns
// those that finished, in finishing order (gevent.joinall). With raiseError
// it stops at the first failed greenlet and returns its error.
func JoinAll[G Joinable](gs []G, timeout time.Duration, raiseError bool) ([]G, error) {
	objs := make([]Linkable, len(gs))
	for i, g := range gs {
		objs[i] = g
	}
	var done []G
	for o, err := range IWait(objs, 0, timeout) {
		if err != nil {
			return done, err
		}
		g := o.(G)
		if raiseError && g.Err() != nil {
			return done, g.Err()
		}
		done = append(done, g)
	}
	return done, nil
}

// KillAll raises err (ErrGreenletExit when nil) in every greenlet in one hub
// callback (gevent.killall); unstarted ones die at once. With block it then
// waits for all of them to die, up to timeout.
func KillAll[G Killable](gs []G, err error, block bool, timeout time.Duration) error {
	if err == nil {
		err = ErrGreenletExit
	}
	if len(gs) == 0 {
		return nil
	}
	h := gs[0].base().hub
	if c := currentCtx(); c == nil || c.hub != h {
		return opErr("KillAll", ErrNotGreenlet)
	}
	for _, g := range gs[1:] {
		if g.base().hub != h {
			return opErr("KillAll over greenlets of several hubs", ErrNotGreenlet)
		}
	}
	var need []*task
	for _, g := range gs {
		t := g.base()
		if !t.killBeforeStart(err) && !t.ready {
			need = append(need, t)
		}
	}
	if len(need) == 0 {
		return nil
	}
	throwAll := func() {
		for _, t := range need {
			if !t.ready && t.state == stRunning && t.ctx != nil {
				h.throwInto(t.ctx, err)
			}
		}
	}
	if !block {
		h.RunCallback(throwAll)
		return nil
	}
	if _, cerr := h.blockingCtx("KillAll"); cerr != nil {
		return cerr
	}
	w := &Waiter{hub: h, label: "killall"}
	h.RunCallback(func() {
		throwAll()
		w.Switch(nil)
	})
	var tm *Timeout
	if timeout >= 0 {
		tm = StartTimeout(timeout)
		defer tm.Cancel()
	}
	if _, err := w.Get(); err != nil {
		return err
	}
	for _, t := range need {
		if err := t.Join(Forever); err != nil {
			return err
		}
	}
	return nil
}
