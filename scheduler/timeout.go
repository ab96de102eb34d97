package scheduler

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Timeout is gevent's Timeout: once started, it raises an error in the
// greenlet that started it when d elapses, unless cancelled first. The
// raised error is the *Timeout itself (errors.Is(err, t) tells which timeout
// fired; errors.Is(err, ErrTimeout) matches any), or the custom error given
// to NewTimeout, raised as is, as gevent raises the exception it was given:
// then errors.Is(err, t) is false and the custom error is how to tell which
// timeout fired. A negative duration makes a timeout that never fires; zero
// fires in the next loop iteration.
//
//	t, err := scheduler.StartTimeout(time.Second)
//	if err != nil {
//		return err
//	}
//	defer t.Cancel()
//
// A Timeout is gevent's way to bound a whole stretch of a greenlet's code;
// a context bounds one call.
type Timeout struct {
	bound  Binding // the hub of the last Start
	d      time.Duration
	err    error
	target *gctx
	task   *task    // the task target was running at Start
	link   *linkJob // the Link callback target was running at Start
	timer  *hubTimer
	// prev and next link the hub's armed timeouts (Hub.armed), which
	// Destroy ends.
	prev, next *Timeout
	// ctxSt is the state of the run and of its Context (context.go): any
	// goroutine may make the Context and read whether the run fired (the
	// ctxFired bit, Fired) or ended (Pending), the hub ends the run.
	ctxSt atomic.Uint32
	ctx   lazyCtx
}

// NewTimeout returns an unstarted timeout of d raising err (the Timeout
// itself when err is nil). It binds to a hub when started, as the
// primitives built on a Binding do: once that hub is destroyed, the next
// hub to start it takes it over, after that hub's Destroy returned.
func NewTimeout(d time.Duration, err error) *Timeout {
	return &Timeout{d: d, err: err}
}

// StartTimeout is NewTimeout(d, nil) started at once (Timeout.start_new).
func StartTimeout(d time.Duration) (*Timeout, error) {
	t := NewTimeout(d, nil)
	if err := t.Start(); err != nil {
		return nil, err
	}
	return t, nil
}

// ErrTimeoutPending is returned by Start on a timeout that is already
// armed (gevent's "Timeout already started").
var ErrTimeoutPending = errors.New("timeout already started")

// Start arms the timeout for the calling greenlet. A fired or cancelled
// timeout may be started again; starting a pending one returns
// ErrTimeoutPending. For a negative duration it arms nothing, but begins a
// new run as any Start does (Fired false, a live Context). Started from
// the hub greenlet (a callback), it raises nothing when it fires: the hub
// runs every greenlet's callbacks, so it only sets Fired and cancels
// Context. Hub-affine: from a goroutine that is not a greenlet of the hub
// the timeout is bound to (the caller's own, for an unstarted timeout or
// one whose hub was destroyed) it returns ErrNotGreenlet and changes
// nothing.
func (t *Timeout) Start() error {
	if t == nil {
		return opErr("Timeout.Start", ErrNilArgument)
	}
	// The caller is checked before anything of the timeout is read or
	// reset: its state is its hub's.
	c := currentCtx()
	last := t.bound.p.Load()
	h, err := t.bound.bind(c)
	if err != nil {
		return opErr("Timeout.Start", err)
	}
	if _, err := h.affine(c, "Timeout.Start"); err != nil {
		return err
	}
	if last != h {
		// Bound to h just now (the first Start, or h takes the timeout
		// over from a destroyed hub): a Cancel that found it unbound or
		// that hub destroyed, under way in another goroutine, ends no run
		// of h's (cancelDead). Restarts on h skip this.
		t.ctxSt.Add(ctxEpoch)
	}
	if t.timer != nil {
		if last == h {
			return opErr("Timeout.Start", ErrTimeoutPending)
		}
		// Armed when its last hub was destroyed: the timer went with
		// that loop, and a Cancel since left it and the target here.
		t.timer, t.target = nil, nil
	}
	t.resetCtx() // a new run: the last one's end and done Context go
	if t.d < 0 {
		return nil
	}
	t.target = c
	t.task = c.task
	t.link = c.link
	// gevent starts a Timeout's timer with update=True: the deadline
	// counts from the real now, not the loop's cached time.
	_ = h.loop.UpdateNow()
	ht, err := h.getTimerPri(t.d, t.fire, true)
	if err != nil {
		// Nothing will fire the run begun above: it ends, as after a
		// Cancel, so that Pending does not report it armed.
		t.target, t.task, t.link = nil, nil, nil
		t.endCtx(ctxStop)
		return opErr("Timeout.Start", err)
	}
	t.timer = ht
	h.linkArmed(t)
	return nil
}

func (t *Timeout) fire() {
	h := t.bound.p.Load()
	if t.timer != nil {
		h.putTimer(t.timer)
		t.timer = nil
		h.unlinkArmed(t)
	}
	// Sets ctxFired: a run is never cancelled before it fires (Cancel
	// takes the timer back first).
	t.endCtx(ctxFired)
	c := t.target
	t.target = nil
	if c == nil {
		return
	}
	// A worker greenlet is reused: only throw into the task or the Link
	// callback that started the timeout, and only while it still runs (an
	// idle worker has neither; a throw there would end it in the pool).
	if c.isHub || c.task != t.task || c.link != t.link || (t.task != nil && t.task.Ready()) {
		return
	}
	h.throwInto(c, t.Err())
}

// Err is the error the timeout raises: the custom error or t itself.
func (t *Timeout) Err() error {
	if t == nil {
		return nil
	}
	if t.err != nil {
		return t.err
	}
	return t
}

// Cancel disarms the timeout; safe to call many times and after it fired.
// Hub-affine: from a goroutine that is not a greenlet of the hub the timeout
// was started on, it changes nothing (Close returns why). Once that hub is
// destroyed, the timer went with its loop: Cancel only ends the run, from
// the dying hub's greenlets while Destroy runs their defers and from
// anywhere after Destroy returned, as for a timeout never started; Destroy
// itself ends a run still armed once those defers ran (see Context), and
// the timeout lets go of the greenlet it would have raised in. Such a
// Cancel may run while a greenlet of another hub starts the timeout, taking
// it over: it then ends the last run or, coming after that Start, is
// refused like any Cancel from outside the new hub; the new run is never
// ended by it.
func (t *Timeout) Cancel() { _ = t.cancel("Timeout.Cancel") }

// cancel is Cancel, returning ErrNotGreenlet for a foreign caller.
func (t *Timeout) cancel(op string) error {
	if t == nil {
		return nil
	}
	// A live hub's timer is in its loop, which only its greenlets touch; a
	// destroyed hub's went with the loop, and the timeout is that hub's
	// until its Destroy returned.
	h := t.bound.p.Load()
	if h == nil || h.destroyed.Load() {
		if !h.final(currentCtx()) {
			return opErr(op, ErrNotGreenlet)
		}
		return t.cancelDead(op, h)
	}
	if err := h.check(op); err != nil {
		return err
	}
	t.endCtx(ctxStop) // nothing after a fire: the run ended already
	if t.timer != nil {
		h.putTimer(t.timer)
		t.timer = nil
		h.unlinkArmed(t)
	}
	t.target = nil
	return nil
}

// cancelDead is cancel for a timeout whose hub h is destroyed or that was
// never started (h nil). Once Destroy returned (or for h nil) any goroutine
// may get here, two at once, and a greenlet of another hub may be starting
// the timeout meanwhile. The timer went with h's loop, so it writes nothing but the
// run's state word, which the next hub's Start finds (it drops the timer
// and target). It ends the run only while the timeout is still h's, in one
// compare-and-swap of the word: a Start that binds the timeout to another
// hub counts a new epoch in the word first (Start), so a swap that
// succeeds came before that Start's new run, which then begins afresh. The
// context cancelled is the one made for the run it ended, read before the
// swap.
func (t *Timeout) cancelDead(op string, h *Hub) error {
	for {
		st := t.ctxSt.Load()
		if st&(ctxFired|ctxStop) != 0 {
			return nil // nothing after a fire: the run ended already
		}
		var cell *ctxCell
		if st&ctxMade != 0 {
			cell = t.ctx.cell.Load()
		}
		if t.bound.p.Load() != h {
			// Taken over since: cancel as the new hub's timeout.
			return t.cancel(op)
		}
		if cancelDeadHook != nil {
			cancelDeadHook()
		}
		if t.ctxSt.CompareAndSwap(st, st|ctxStop) {
			if cell != nil {
				cell.cancel(context.Canceled)
			}
			return nil
		}
	}
}

// cancelDeadHook, when set, runs before cancelDead's swap: tests hold a
// Cancel there to let another hub take the timeout over under it.
var cancelDeadHook func()

// Close is Cancel, for use as an io.Closer; from a goroutine that is not a
// greenlet of the timeout's hub it returns an error matching ErrNotGreenlet.
func (t *Timeout) Close() error { return t.cancel("Timeout.Close") }

// Pending reports whether the timeout is armed: started with a duration
// that fires, and neither fired nor cancelled since (nor its hub destroyed:
// its timer went with the loop). Goroutine-safe, as Fired: it reads the
// run's state word and the timeout's hub, not the timer, which only the
// hub touches.
func (t *Timeout) Pending() bool {
	// A run is armed exactly while it has not ended (the timer goes back
	// as the end is set) for a duration Start arms a timer for.
	if t == nil || t.d < 0 || t.ctxSt.Load()&(ctxFired|ctxStop) != 0 {
		return false
	}
	h := t.bound.p.Load() // nil until the first Start
	return h != nil && !h.destroyed.Load()
}

// Fired reports whether the timeout went off since it was last started.
// Goroutine-safe: a goroutine that learnt its wait ended (a channel, a
// context) may ask, and sees the fire that ended it.
func (t *Timeout) Fired() bool { return t != nil && t.ctxSt.Load()&ctxFired != 0 }

// Duration returns the duration the timeout was made with (gevent's seconds).
func (t *Timeout) Duration() time.Duration {
	if t == nil {
		return 0
	}
	return t.d
}

// Error returns "scheduler: timeout <duration>" ("(never)" for a negative
// duration). The custom error given to NewTimeout is not part of the text;
// Unwrap returns it.
func (t *Timeout) Error() string {
	if t == nil {
		return "scheduler: <nil>"
	}
	if t.d < 0 {
		return "scheduler: timeout (never)"
	}
	return "scheduler: timeout " + t.d.String()
}

// Is makes every Timeout match ErrTimeout.
func (t *Timeout) Is(target error) bool { return target == ErrTimeout }

// Timeout reports true (false on a nil Timeout): the error a fired Timeout
// throws is a net.Error that timed out, so os.IsTimeout says yes to it, as
// to every wait's error for a deadline.
func (t *Timeout) Timeout() bool { return t != nil }

// Temporary reports false: a Timeout fires once, so code that retries a
// temporary net.Error (net/http's Serve after an Accept error) would go on
// past the time limit it stands for.
func (t *Timeout) Temporary() bool { return false }

// Unwrap returns the custom error, if any.
func (t *Timeout) Unwrap() error {
	if t == nil {
		return nil
	}
	return t.err
}

// WithTimeout runs fn under a Timeout of d in the calling greenlet
// (gevent.with_timeout): if the timeout fires, fn's blocking call returns
// it, and WithTimeout returns an error matching both the Timeout and
// ErrTimeout.
func WithTimeout[T any](d time.Duration, fn func() (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, opErr("WithTimeout", ErrNilArgument)
	}
	t, err := StartTimeout(d)
	if err != nil {
		return zero, err
	}
	defer t.Cancel()
	v, err := fn()
	if err != nil && errors.Is(err, t) {
		return zero, err
	}
	return v, err
}

// linkArmed adds t, just armed, to the hub's armed timeouts. On h.
func (h *Hub) linkArmed(t *Timeout) {
	t.prev, t.next = nil, h.armed
	if h.armed != nil {
		h.armed.prev = t
	}
	h.armed = t
}

// unlinkArmed removes t, disarmed, from the hub's armed timeouts. On h.
func (h *Hub) unlinkArmed(t *Timeout) {
	if t.prev != nil {
		t.prev.next = t.next
	} else if h.armed == t {
		h.armed = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	}
	t.prev, t.next = nil, nil
}

// endArmed ends, for Destroy, the runs of the timeouts still armed once
// the hub's greenlets are gone: their timers go with the loop, so each
// run ends now, its Context cancelled with an error matching
// ErrHubDestroyed (unless a dying greenlet's Cancel ended it already), and
// the timeout lets go of the greenlet it would have raised in. Nothing
// else runs on the hub or takes the timeouts over until Destroy returns.
func (h *Hub) endArmed() {
	for t := h.armed; t != nil; {
		next := t.next
		t.prev, t.next = nil, nil
		t.timer, t.target, t.task, t.link = nil, nil, nil, nil
		t.endCtx(ctxStop | ctxGone)
		t = next
	}
	h.armed = nil
}
