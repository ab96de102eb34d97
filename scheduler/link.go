package scheduler

import (
	"context"
	"iter"
	"reflect"
)

// Rawlink registers fn to be called on the hub, with the greenlet, once the
// greenlet is ready; if it already is, fn is scheduled at once. Links run in
// registration order in one hub callback; links added while they run also
// run. fn must not block. Hub-affine: called from a goroutine that is not
// the greenlet's hub or one of its greenlets, it registers nothing and
// returns 0 (the links are the hub's state).
func (t *task) Rawlink(fn func(Linkable)) LinkID {
	if fn == nil || t.hub.check("Greenlet.Rawlink") != nil {
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
	if t.hub.check("Greenlet.Unlink") != nil {
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

// wait blocks the caller until t is ready or ctx is done (join/get).
func (t *task) wait(op string, ctx context.Context) error {
	if ctx == nil {
		return opErr(op, ErrNilArgument)
	}
	h := t.hub
	if t.ready && h == nil {
		// Refused at Spawn: dead without a hub.
		return nil
	}
	c := currentCtx()
	if _, err := h.affine(c, op); err != nil {
		return err
	}
	if t.ready {
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
		return err
	}
	if v != Linkable(t.impl) {
		t.Unlink(id)
		return opErr(op, ErrInvalidSwitch)
	}
	return nil
}

// Join waits until the greenlet is ready or ctx is done. It returns nil
// when the greenlet finished, whatever its outcome (Err tells); ContextError's
// error when ctx ended first; or the error thrown into the waiting greenlet.
func (t *task) Join(ctx context.Context) error { return t.wait("Greenlet.Join", ctx) }

// Kill raises err (ErrGreenletExit when nil) in the greenlet and waits until
// it is dead or ctx is done (gevent's kill with block=True). A greenlet that
// never ran is marked dead at once and will never run. A greenlet may catch
// the error and go on running; Kill then returns when ctx ends.
func (t *task) Kill(ctx context.Context, err error) error {
	if ctx == nil {
		return opErr("Greenlet.Kill", ErrNilArgument)
	}
	if err == nil {
		err = ErrGreenletExit
	}
	h := t.hub
	if t.ready && h == nil {
		return nil
	}
	if cerr := h.check("Greenlet.Kill"); cerr != nil {
		return cerr
	}
	if t.killBeforeStart(err) || t.ready {
		return nil
	}
	if cerr := h.checkWait("Greenlet.Kill"); cerr != nil {
		return cerr
	}
	w := &Waiter{hub: h, label: "kill " + t.Name()}
	h.runCallbackArg(killCB, &killReq{t: t, err: err, w: w})
	if _, err := w.Get(ctx); err != nil {
		return err
	}
	return t.Join(ctx)
}

// KillAsync raises err (ErrGreenletExit when nil) in the greenlet at the
// hub's next callback round and returns at once (gevent's kill with
// block=False); Join waits for the outcome.
func (t *task) KillAsync(err error) error {
	if err == nil {
		err = ErrGreenletExit
	}
	h := t.hub
	if t.ready && h == nil {
		return nil
	}
	if cerr := h.check("Greenlet.KillAsync"); cerr != nil {
		return cerr
	}
	if t.killBeforeStart(err) || t.ready {
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
// ctx is done, and returns the ready ones in the order they became ready
// (gevent.wait). When ctx ends first it returns those that were ready and
// ContextError's error.
func Wait[L Linkable](ctx context.Context, objects []L, count int) ([]L, error) {
	var done []L
	for o, err := range IWait(ctx, objects, count) {
		if err != nil {
			return done, err
		}
		done = append(done, o)
	}
	return done, nil
}

// IWait yields objects as they become ready, in readiness order, until count
// (count <= 0: all) were yielded (gevent.iwait). If the wait fails (ctx
// done, LoopExit, Kill of the waiting greenlet) it yields the zero L and
// the error, and stops. Objects bound to another hub than the caller's give
// ErrNotGreenlet before anything is linked (waiting across hubs is not
// supported). Breaking out of the loop unlinks cleanly.
func IWait[L Linkable](ctx context.Context, objects []L, count int) iter.Seq2[L, error] {
	return func(yield func(L, error) bool) {
		var zero L
		w, err := newIWaiter(ctx, objects, count)
		if err != nil {
			yield(zero, err)
			return
		}
		if w == nil {
			return
		}
		defer w.close()
		for n := 0; n < w.count; n++ {
			o, err := w.next()
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(o.(L), nil) {
				return
			}
		}
	}
}

// iwaiter is IWait's state: the objects' links feed a queue of ready
// objects that the waiting greenlet drains.
type iwaiter struct {
	h       *Hub
	c       *gctx
	cw      *ctxWait
	objects []Linkable
	ids     []LinkID
	count   int
	queue   []Linkable
	waiting bool
}

// newIWaiter checks the call and links the objects; nil, nil when there is
// nothing to wait for.
func newIWaiter[L Linkable](ctx context.Context, objects []L, count int) (*iwaiter, error) {
	if ctx == nil {
		return nil, opErr("IWait", ErrNilArgument)
	}
	if count <= 0 || count > len(objects) {
		count = len(objects)
	}
	if count == 0 {
		return nil, nil
	}
	c, h, err := currentBlocking("IWait")
	if err != nil {
		return nil, err
	}
	w := &iwaiter{h: h, c: c, count: count, objects: make([]Linkable, len(objects))}
	for i, o := range objects {
		if isNil(o) {
			return nil, opErr("IWait on a nil object", ErrNilArgument)
		}
		if b, ok := any(o).(interface{ Hub() *Hub }); ok {
			if oh := b.Hub(); oh != nil && oh != h {
				return nil, opErr("IWait on an object of another hub", ErrNotGreenlet)
			}
		}
		w.objects[i] = o
	}
	if w.cw, err = h.arm(ctx, c); err != nil {
		return nil, opErr("IWait", err)
	}
	w.ids = make([]LinkID, len(objects))
	for i, o := range w.objects {
		w.ids[i] = o.Rawlink(w.notify)
	}
	return w, nil
}

// notify is every object's link.
func (w *iwaiter) notify(l Linkable) {
	w.queue = append(w.queue, l)
	if w.waiting {
		w.waiting = false
		w.h.switchInto(w.c, iwaitToken)
	}
}

// next returns the next ready object, waiting for one if none is queued.
func (w *iwaiter) next() (Linkable, error) {
	for len(w.queue) == 0 {
		w.waiting = true
		w.c.waitingOn = "iwait"
		v, err := w.h.switchFrom(w.c)
		w.c.waitingOn = ""
		w.waiting = false
		if err != nil {
			return nil, err
		}
		if v != iwaitToken {
			return nil, opErr("IWait", ErrInvalidSwitch)
		}
	}
	o := w.queue[0]
	w.queue = w.queue[1:]
	return o, nil
}

// close unlinks every object and disarms the context.
func (w *iwaiter) close() {
	for i, o := range w.objects {
		o.Unlink(w.ids[i])
	}
	w.cw.end()
}

var iwaitToken = new(struct{ byte })

// JoinAll waits until every greenlet finished, one failed, or ctx is done
// (gevent.joinall with raise_error=True). It returns the greenlets that
// finished, in finishing order, and the first failure's error or the
// wait's own. To wait for all of them whatever their outcome, use Wait.
func JoinAll[G Joinable](ctx context.Context, gs []G) ([]G, error) {
	var done []G
	for g, err := range IWait(ctx, gs, 0) {
		if err != nil {
			return done, err
		}
		if g.Err() != nil {
			return done, g.Err()
		}
		done = append(done, g)
	}
	return done, nil
}

// KillAll raises err (ErrGreenletExit when nil) in every greenlet in one hub
// callback (gevent.killall), unstarted ones die at once, and waits until
// all of them are dead or ctx is done.
func KillAll[G Killable](ctx context.Context, gs []G, err error) error {
	if ctx == nil {
		return opErr("KillAll", ErrNilArgument)
	}
	h, need, err, kerr := killAllPrepare(gs, err)
	if kerr != nil || len(need) == 0 {
		return kerr
	}
	if cerr := h.checkWait("KillAll"); cerr != nil {
		return cerr
	}
	w := &Waiter{hub: h, label: "killall"}
	h.RunCallback(func() {
		throwAll(h, need, err)
		w.Switch(nil)
	})
	if _, err := w.Get(ctx); err != nil {
		return err
	}
	for _, t := range need {
		if err := t.Join(ctx); err != nil {
			return err
		}
	}
	return nil
}

// KillAllAsync is KillAll without the wait (gevent.killall with
// block=False).
func KillAllAsync[G Killable](gs []G, err error) error {
	h, need, err, kerr := killAllPrepare(gs, err)
	if kerr != nil || len(need) == 0 {
		return kerr
	}
	h.RunCallback(func() { throwAll(h, need, err) })
	return nil
}

// killAllPrepare checks a KillAll call, kills the greenlets that have not
// started and returns those that need the error thrown in, with the error
// to throw.
func killAllPrepare[G Killable](gs []G, err error) (*Hub, []*task, error, error) {
	if err == nil {
		err = ErrGreenletExit
	}
	if len(gs) == 0 {
		return nil, nil, err, nil
	}
	var h *Hub
	for _, g := range gs {
		t := g.base()
		if t == nil {
			return nil, nil, err, opErr("KillAll of a nil greenlet", ErrNilArgument)
		}
		if t.hub == nil {
			continue // refused at Spawn: dead already
		}
		if h == nil {
			h = t.hub
		} else if t.hub != h {
			return nil, nil, err, opErr("KillAll over greenlets of several hubs", ErrNotGreenlet)
		}
	}
	if h == nil {
		return nil, nil, err, nil
	}
	if cerr := h.check("KillAll"); cerr != nil {
		return nil, nil, err, cerr
	}
	var need []*task
	for _, g := range gs {
		t := g.base()
		if t.hub != nil && !t.killBeforeStart(err) && !t.ready {
			need = append(need, t)
		}
	}
	return h, need, err, nil
}

// throwAll throws err into every task of need that still runs.
func throwAll(h *Hub, need []*task, err error) {
	for _, t := range need {
		if !t.ready && t.state == stRunning && t.ctx != nil {
			h.throwInto(t.ctx, err)
		}
	}
}

// isNil reports whether o is nil or a nil pointer in an interface.
func isNil(o any) bool {
	if o == nil {
		return true
	}
	if b, ok := o.(interface{ base() *task }); ok {
		return b.base() == nil
	}
	v := reflect.ValueOf(o)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}
