package scheduler

import (
	"context"
	"iter"
	"reflect"
)

// Joinable is a Linkable with an outcome, for JoinAll.
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
// an *Error naming Wait that wraps ContextError's error.
func Wait[L Linkable](ctx context.Context, objects []L, count int) ([]L, error) {
	done := make([]L, 0, waitCap(objects, count))
	for o, err := range iwait("Wait", ctx, objects, count, true, nil) {
		if err != nil {
			return done, err
		}
		done = append(done, o)
	}
	return done, nil
}

// waitCap is how many objects a wait for count of them waits for (count <= 0:
// all), the most Wait can return.
func waitCap[L any](objects []L, count int) int {
	if count <= 0 || count > len(objects) {
		return len(objects)
	}
	return count
}

// IWait yields objects as they become ready, in readiness order, until count
// (count <= 0: all) were yielded (gevent.iwait). If the wait fails (ctx
// done, LoopExit, Kill of the waiting greenlet) it yields the zero L and
// the error, and stops; ctx bounds those waits, not the loop body's own
// (ending while the body runs, it ends the next step). Objects bound to
// another hub than the caller's give ErrNotGreenlet before anything is
// linked (waiting across hubs is not supported). Breaking out of the loop
// unlinks cleanly.
func IWait[L Linkable](ctx context.Context, objects []L, count int) iter.Seq2[L, error] {
	return iwait("IWait", ctx, objects, count, false, nil)
}

// iwait is IWait for the call op, which the error of a context's end names.
// With batch set the waiting greenlet is woken only once all count objects
// are ready, or one of them failed (failed, when not nil), or the wait
// fails, and then takes the ready objects in a row: for
// Wait and JoinAll, whose caller runs no code between two objects, so
// waking it for each one would only add a hub round trip per object.
func iwait[L Linkable](op string, ctx context.Context, objects []L, count int, batch bool, failed func(Linkable) bool) iter.Seq2[L, error] {
	return func(yield func(L, error) bool) {
		var zero L
		w, err := newIWaiter(op, ctx, objects, count)
		if err != nil {
			if ctx != nil {
				err = ctxOpErr(op, ctx, err)
			}
			yield(zero, err)
			return
		}
		if w == nil {
			return
		}
		defer w.close()
		w.batch, w.failed = batch, failed
		for n := 0; n < w.count; n++ {
			o, err := w.next()
			if err != nil {
				yield(zero, ctxOpErr(op, ctx, err))
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
	op      string // the call: Wait, IWait or JoinAll
	h       *Hub
	c       *gctx
	cw      *ctxWait
	objects []Linkable
	ids     []LinkID
	count   int
	// queue[head:] are the ready objects not yet returned; the slice is
	// reused from the start once drained, so a wait that is woken per
	// object does not allocate per object.
	queue   []Linkable
	head    int
	waiting bool
	served  int // objects next returned
	// batch and failed: see iwait. err is a failed wait's error, returned
	// once the objects that were ready before it have been.
	batch  bool
	failed func(Linkable) bool
	err    error
}

// newIWaiter checks the call and links the objects; nil, nil when there is
// nothing to wait for.
func newIWaiter[L Linkable](op string, ctx context.Context, objects []L, count int) (*iwaiter, error) {
	if ctx == nil {
		return nil, opErr(op, ErrNilArgument)
	}
	count = waitCap(objects, count)
	if count == 0 {
		return nil, nil
	}
	c, h, err := currentBlocking(op)
	if err != nil {
		return nil, err
	}
	w := &iwaiter{op: op, h: h, c: c, count: count, objects: make([]Linkable, len(objects))}
	for i, o := range objects {
		if isNil(o) {
			return nil, opErr(op+" on a nil object", ErrNilArgument)
		}
		if b, ok := any(o).(interface{ Hub() *Hub }); ok {
			if err := h.owns(b.Hub(), op+" on an object of another hub"); err != nil {
				return nil, err
			}
		}
		w.objects[i] = o
	}
	if w.cw, err = h.arm(ctx, c); err != nil {
		return nil, opErr(op, err)
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
	if w.waiting && w.wakes(l) {
		w.waiting = false
		w.h.switchInto(w.c, iwaitToken)
	}
}

// wakes reports whether l, just queued, wakes the waiting greenlet.
func (w *iwaiter) wakes(l Linkable) bool {
	if !w.batch || w.served+len(w.queue)-w.head >= w.count {
		return true
	}
	return w.failed != nil && w.failed(l)
}

// next returns the next ready object, waiting for one if none is queued.
func (w *iwaiter) next() (Linkable, error) {
	for w.head == len(w.queue) {
		if w.err == nil {
			// ctx may have ended while the caller's loop body ran.
			w.err = w.cw.enter()
		}
		if w.err != nil {
			return nil, w.err
		}
		w.waiting = true
		w.c.waitingOn = "iwait"
		v, err := w.h.switchFrom(w.c)
		w.c.waitingOn = ""
		w.waiting = false
		w.cw.leave()
		if err == nil && v != iwaitToken {
			err = opErr(w.op, ErrInvalidSwitch)
		}
		if err != nil {
			// A batched wait may hold objects that were ready before the
			// failure (its wake-up ran at once): they come first, as they
			// would have one by one.
			w.err = err
		}
	}
	o := w.queue[w.head]
	w.queue[w.head] = nil
	if w.head++; w.head == len(w.queue) {
		w.queue, w.head = w.queue[:0], 0
	}
	w.served++
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

// joinFailed is JoinAll's failed: the first failure ends the wait.
func joinFailed(l Linkable) bool {
	j, ok := l.(Joinable)
	return ok && j.Err() != nil
}

// JoinAll waits until every greenlet finished, one failed, or ctx is done
// (gevent.joinall with raise_error=True). It returns the greenlets that
// finished successfully before that, in finishing order, and the failed
// greenlet's own error (as it is) or the wait's own. To wait for all of
// them whatever their outcome, use Wait.
func JoinAll[G Joinable](ctx context.Context, gs []G) ([]G, error) {
	done := make([]G, 0, len(gs))
	for g, err := range iwait("JoinAll", ctx, gs, 0, true, joinFailed) {
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
// all of them are dead or ctx is done. Greenlets that finished on a hub
// since destroyed are skipped, as Kill skips them, and may be mixed with
// the greenlets of one live hub; the others must all be greenlets of the
// caller's hub, as for Kill. The hub greenlet, which must not block, may
// kill greenlets that never ran; with one running it gets ErrNotGreenlet,
// and a refused call kills none.
func KillAll[G Killable](ctx context.Context, gs []G, err error) error {
	if ctx == nil {
		return opErr("KillAll", ErrNilArgument)
	}
	h, need, err, kerr := killAllPrepare(gs, err, true)
	if kerr != nil || len(need) == 0 {
		return kerr
	}
	w := &Waiter{hub: h, label: "killall"}
	h.runCallback(func() {
		throwAll(h, need, err)
		w.Switch(nil)
	})
	if _, err := w.Get(ctx); err != nil {
		return ctxOpErr("KillAll", ctx, err)
	}
	for _, t := range need {
		if err := t.Join(ctx); err != nil {
			return ctxOpErr("KillAll", ctx, err)
		}
	}
	return nil
}

// KillAllAsync is KillAll without the wait (gevent.killall with
// block=False).
func KillAllAsync[G Killable](gs []G, err error) error {
	h, need, err, kerr := killAllPrepare(gs, err, false)
	if kerr != nil || len(need) == 0 {
		return kerr
	}
	h.runCallback(func() { throwAll(h, need, err) })
	return nil
}

// killAllPrepare checks a KillAll call (one that waits for the greenlets
// with block set), kills the greenlets that have not started and returns
// those that need the error thrown in, with the error to throw. A refused
// call kills nothing.
func killAllPrepare[G Killable](gs []G, err error, block bool) (*Hub, []*task, error, error) {
	if err == nil {
		err = ErrGreenletExit
	}
	if len(gs) == 0 {
		return nil, nil, err, nil
	}
	c := currentCtx()
	h, kerr := killAllHub(gs, c)
	if kerr != nil || h == nil {
		return nil, nil, err, kerr
	}
	if _, cerr := h.affine(c, "KillAll"); cerr != nil {
		return nil, nil, err, cerr
	}
	if block {
		// Only a greenlet running now is waited for: the hub greenlet may
		// still kill greenlets that never ran, as Kill may.
		if _, cerr := h.mayBlock(c, "KillAll"); cerr != nil && killAllWaits(gs, h) {
			return nil, nil, err, cerr
		}
	}
	var need []*task
	for _, g := range gs {
		t := g.base()
		if t.hub() == h && !t.killBeforeStart(err) && !t.Ready() {
			need = append(need, t)
		}
	}
	return h, need, err, nil
}

// killAllHub returns the hub of the greenlets of gs that KillAll kills, nil
// when every one is final (refused at Spawn, or finished on a hub since
// destroyed) for caller c.
func killAllHub[G Killable](gs []G, c *gctx) (*Hub, error) {
	var h *Hub
	for _, g := range gs {
		t := g.base()
		if t == nil {
			return nil, opErr("KillAll of a nil greenlet", ErrNilArgument)
		}
		if t.hub().final(c) && t.Ready() {
			continue
		}
		if h == nil {
			h = t.hub()
		} else if t.hub() != h {
			return nil, opErr("KillAll over greenlets of several hubs", ErrNotGreenlet)
		}
	}
	return h, nil
}

// killAllWaits reports whether KillAll of gs, whose live greenlets are all
// h's, has one to wait for: one that runs now (the others are dead, or die
// before they start).
func killAllWaits[G Killable](gs []G, h *Hub) bool {
	for _, g := range gs {
		if t := g.base(); t.hub() == h && t.state == stRunning && !t.Ready() {
			return true
		}
	}
	return false
}

// throwAll throws err into every task of need that still runs, ending its
// Context first, as a Kill does.
func throwAll(h *Hub, need []*task, err error) {
	for _, t := range need {
		if !t.Ready() && t.state == stRunning && t.ctx != nil {
			t.cancelCtx(err)
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
