package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/internal/ctxwait"
)

// A context bounds a wait through at most two event sources, neither of
// them a goroutine per wait: its deadline is a timer on the hub (the
// Timeout timers' priority, so a wait and a sleep expiring together keep
// gevent's order), and an early cancel reaches the hub through
// context.AfterFunc and one Post. Either throws the context's error into
// the waiting greenlet, but only while that greenlet is still inside the
// wait that armed it.
//
// States of a ctxWait: armed (the greenlet is about to switch away or is
// suspended in the wait) -> done, by end (the wait returned for any reason)
// or by fire (the timer or the cancel threw into the greenlet). Both run on
// the hub's greenlets, so done needs no lock; the AfterFunc callback, which
// runs on a goroutine of its own, only posts.
type ctxWait struct {
	h       *Hub
	c       *gctx
	ctx     context.Context
	timer   *hubTimer
	stop    func() bool
	release func()
	done    bool
	unrefd  bool // weak: the deadline timer does not keep the loop alive
	// out: the greenlet runs its caller's code between two switches of one
	// armed wait (IWait's loop body), where a fire only records its error
	// in late for the wait's next switch.
	out  bool
	late error
}

// arm bounds the coming wait of greenlet c by ctx. It returns nil (nothing
// to undo) for a context that can never be done, and ContextError's error
// when ctx is done already.
func (h *Hub) arm(ctx context.Context, c *gctx) (*ctxWait, error) {
	return h.armRef(ctx, c, true)
}

// armRef is arm; with keep false the context keeps the loop alive neither
// through its deadline timer nor while it may be cancelled, as Hub.Join
// needs: it waits for the loop to run dry, ctx only cuts it short.
func (h *Hub) armRef(ctx context.Context, c *gctx, keep bool) (*ctxWait, error) {
	if ctx.Done() == nil {
		return nil, nil
	}
	if err := ContextError(ctx); err != nil {
		return nil, err
	}
	cw := &ctxWait{h: h, c: c, ctx: ctx}
	if dl, ok := ctx.Deadline(); ok {
		// gevent starts a Timeout with update=True: the deadline counts
		// from the real now, not the loop's cached time.
		_ = h.loop.UpdateNow()
		ht, err := h.getTimerPri(time.Until(dl), cw.expire, true)
		if err != nil {
			return nil, err
		}
		cw.timer = ht
		if !keep {
			_ = h.loop.Unref()
			cw.unrefd = true
		}
	} else if keep {
		// A cancel may come from another goroutine at any time: the
		// loop must not run dry (LoopExit) meanwhile.
		cw.release = h.keepAliveRef()
	}
	cw.stop = context.AfterFunc(ctx, cw.cancelled)
	return cw, nil
}

// cancelled runs on a goroutine of its own when ctx is done.
func (cw *ctxWait) cancelled() { _ = cw.h.Post(cw.fireCancel) }

func (cw *ctxWait) fireCancel() { cw.fire(ContextError(cw.ctx)) }

// expire is the deadline timer's callback. libev times the deadline from
// its own clock, read an instant before Go's when the timer was armed (and
// from the loop's cached time when rearmed here), so the timer may fire a
// hair before ctx's deadline: then it waits out the rest, so that the
// deadline's error never comes before the deadline passed (ctxwait.Ended
// relies on it to tell ctx's end from a kill).
func (cw *ctxWait) expire() {
	weak := cw.unrefd
	cw.dropTimer()
	if dl, ok := cw.ctx.Deadline(); ok {
		if rest := time.Until(dl); rest > 0 {
			if ht, err := cw.h.getTimerPri(rest, cw.expire, true); err == nil {
				cw.timer = ht
				if weak {
					_ = cw.h.loop.Unref()
					cw.unrefd = true
				}
				return
			}
		}
	}
	cw.fire(deadlineError{})
}

// dropTimer returns the deadline timer to the pool, taking back the Unref
// of a weak wait first: libev's stop of an active watcher (or the stop a
// one-shot timer did when it fired) takes one count off the loop.
func (cw *ctxWait) dropTimer() {
	if cw.unrefd {
		cw.unrefd = false
		_ = cw.h.loop.Ref()
	}
	cw.h.putTimer(cw.timer)
	cw.timer = nil
}

func (cw *ctxWait) fire(err error) {
	if cw.done {
		return
	}
	cw.done = true
	if cw.out {
		cw.late = err
		return
	}
	cw.h.throwInto(cw.c, err)
}

// enter marks the greenlet back inside the wait, about to switch away, and
// returns the error of a fire that came while it was out. Nil-safe.
func (cw *ctxWait) enter() error {
	if cw == nil {
		return nil
	}
	cw.out = false
	return cw.late
}

// leave marks the greenlet out of the wait, running its caller's code.
// Nil-safe.
func (cw *ctxWait) leave() {
	if cw != nil {
		cw.out = true
	}
}

// end disarms cw when the wait returns, however it ended. Nil-safe.
func (cw *ctxWait) end() {
	if cw == nil {
		return
	}
	cw.done = true
	if cw.timer != nil {
		cw.dropTimer()
	}
	cw.stop()
	if cw.release != nil {
		cw.release()
	}
}

// The Context of a Greenlet or a Timeout is made on first use, by any
// goroutine (a greenlet commonly hands it to a plain goroutine, which may be
// the first to ask), and ended by the hub (the greenlet is killed or ends,
// the timeout fires or is cancelled), whichever comes first. A state word
// orders the two without a lock on the hub's side: the maker records the
// context and then sets ctxMade, the hub sets its end bit and then looks for
// ctxMade, each with one atomic read-modify-write of the word, so exactly
// one of them sees the other's bit and cancels the context with the end's
// cause. Makers take the owner's lock, so that one context is made; ctxReady
// (set once that context carries an end that came before it) lets later
// calls return it without the lock. The hub's side costs one atomic
// read-modify-write per end, and a lock only to reset a Timeout whose last
// run had a context made. A Greenlet's end also publishes its outcome with
// the same read-modify-write (ctxResult, read by Ready); a kill that ends
// the Context before the greenlet ends costs one more, at the kill.
const (
	ctxMade   uint32 = 1 << iota // a context was made for the run: in lazyCtx.cell
	ctxReady                     // that context carries any end before it: return it
	ctxDone                      // Greenlet: killed or finished
	ctxResult                    // Greenlet: finished, its outcome written (Ready)
	ctxFired                     // Timeout: fired
	ctxStop                      // Timeout: cancelled
	ctxGone                      // Timeout: cancelled by its hub's Destroy (with ctxStop)

	// ctxEpoch counts, in the word's high bits, the hubs a Timeout was
	// bound to (Start): a Cancel that found it unbound or its hub
	// destroyed ends a run only while the count it read stands.
	ctxEpoch  uint32 = 1 << 8
	ctxEpochs uint32 = ^(ctxEpoch - 1) // the count's bits
)

// lazyCtx holds a context made on first use; its state word is its owner's.
type lazyCtx struct {
	mu   sync.Mutex // makers only; the hub takes it only to reset a Timeout
	cell atomic.Pointer[ctxCell]
}

type ctxCell struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// get returns the context of state word st, making it on first use; cause
// gives the cause of an end recorded in the word before the context was
// made (nil for none). Goroutine-safe.
func (l *lazyCtx) get(st *atomic.Uint32, parent context.Context, cause func(state uint32) error) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.Load()&ctxMade == 0 {
		c := new(ctxCell)
		c.ctx, c.cancel = context.WithCancelCause(parent)
		l.cell.Store(c)
		if err := cause(st.Or(ctxMade)); err != nil {
			c.cancel(err)
		}
		st.Or(ctxReady)
	}
	return l.cell.Load().ctx
}

// Context is Greenlet.Context, less the nil check.
func (t *task) Context() context.Context {
	if t.ctxSt.Load()&ctxReady != 0 {
		return t.x.Load().ctx.cell.Load().ctx
	}
	return t.extra().ctx.get(&t.ctxSt, context.Background(), t.ctxCause)
}

// ctxCause is the cause of the Context's end for a context made in state
// st: the kill's error, else the outcome. The hub wrote either before it
// set ctxDone (the outcome with ctxResult), and writes neither after.
func (t *task) ctxCause(st uint32) error {
	if st&ctxDone == 0 {
		return nil
	}
	if x := t.x.Load(); x != nil && x.killErr != nil {
		return x.killErr
	}
	return t.doneCause()
}

// cancelCtx ends the greenlet's Context with err, a kill being delivered
// (err is never nil), unless it ended already. On the hub.
func (t *task) cancelCtx(err error) {
	if t.ctxSt.Load()&ctxDone == 0 {
		t.extra().killErr = err
		t.endCtx(ctxDone)
	}
}

// endCtx sets bits in the state word, ctxDone for a kill and ctxDone with
// ctxResult for the end (finish and refuse write the outcome first), and
// ends the greenlet's Context, with the kill's error or the outcome, unless
// it ended already: one atomic read-modify-write. On the hub, or on the
// spawner of a greenlet refused at Spawn.
func (t *task) endCtx(bits uint32) {
	if st := t.ctxSt.Or(bits); st&(ctxMade|ctxDone) == ctxMade {
		t.x.Load().ctx.cell.Load().cancel(t.ctxCause(ctxDone))
	}
}

func (t *task) doneCause() error {
	if err := t.Err(); err != nil {
		return err
	}
	if err := t.ExitErr(); err != nil {
		return err
	}
	return context.Canceled
}

// Context returns a context that is cancelled with the timeout's error as
// its cause when the timeout fires (a wait it ends returns an error that
// matches context.Canceled and that error: ErrTimeout, or the custom
// error), with context.Canceled when it is cancelled first, and with an
// *Error naming Hub.Destroy that matches ErrHubDestroyed when its hub is
// destroyed while it is armed; a Start after that begins a new one. Asked
// for after the timeout fired or was cancelled, and before a new Start, it
// is done already, with that cause. Goroutine-safe: any goroutine may ask for it
// at any time, and all get the same context for a run.
func (t *Timeout) Context() context.Context {
	if t == nil {
		// A nil Timeout never fires.
		return context.Background()
	}
	if t.ctxSt.Load()&ctxReady != 0 {
		return t.ctx.cell.Load().ctx
	}
	// Its parent names the timeout, for ContextError to know its custom error.
	return t.ctx.get(&t.ctxSt, context.WithValue(context.Background(), timeoutKey{}, t), t.ctxCause)
}

// timeoutKey is the context key under which a Timeout's Context holds the timeout.
type timeoutKey struct{}

// endedByTimeout reports whether cause, the cause of ctx's end, is the error of the Timeout whose
// Context ctx is or derives from: a custom error given to NewTimeout, which need not match
// ErrTimeout.
func endedByTimeout(ctx context.Context, cause error) bool {
	t, _ := ctx.Value(timeoutKey{}).(*Timeout)
	return t != nil && t.err != nil && errors.Is(cause, t.err)
}

// ctxCause is the cause of the Context's end for a context made in state
// st (nil while the run goes on).
func (t *Timeout) ctxCause(st uint32) error {
	switch {
	case st&ctxFired != 0:
		return t.Err()
	case st&ctxGone != 0:
		return opErr("Hub.Destroy", ErrHubDestroyed)
	case st&ctxStop != 0:
		return context.Canceled
	}
	return nil
}

// endCtx ends the Context of the run with end (ctxFired, ctxStop, or
// ctxStop with ctxGone), unless the run ended already. On the hub.
func (t *Timeout) endCtx(end uint32) {
	if t.ctxSt.Load()&(ctxFired|ctxStop) != 0 {
		return
	}
	if st := t.ctxSt.Or(end); st&ctxMade != 0 {
		t.ctx.cell.Load().cancel(t.ctxCause(end))
	}
}

// resetCtx begins a new run's Context: after a fire or a cancel the next
// Context call makes a new one; otherwise the context made, if any, serves
// the new run too. On the hub.
func (t *Timeout) resetCtx() {
	for {
		st := t.ctxSt.Load()
		if st&(ctxFired|ctxStop) == 0 {
			return
		}
		if st&ctxMade != 0 {
			// A maker may be under way: wait for it, then start over. Nobody
			// else writes the word of an ended run (cancelDead).
			t.ctx.mu.Lock()
			t.ctxSt.Store(t.ctxSt.Load() & ctxEpochs)
			t.ctx.mu.Unlock()
			return
		}
		if t.ctxSt.CompareAndSwap(st, st&ctxEpochs) {
			return
		}
	}
}

// WaitContext blocks the calling greenlet, without blocking the hub, until
// ctx is done, and returns an *Error naming WaitContext that wraps its
// cause: context.Cause(ctx) when a cause was given (with a deadline too:
// WithDeadlineCause; once the hub's timer saw the deadline it waits up to a
// second more for ctx to report its end and cause, then gives the
// deadline's error), else ContextError's error. It returns earlier with the
// error thrown into the greenlet (Kill, Timeout) as it is. A context that
// can never be done is waited on like any other wait that nothing can end:
// LoopExit when the hub runs out of work.
func WaitContext(ctx context.Context) error {
	const op = "WaitContext"
	if ctx == nil {
		return opErr(op, ErrNilArgument)
	}
	_, h, err := currentBlocking(op)
	if err != nil {
		return err
	}
	w := &Waiter{hub: h, label: "context"}
	if _, err = w.Get(ctx); !ctxwait.Ended(ctx, err) {
		return err
	}
	if ctx.Err() == nil {
		// The hub's timer saw the deadline an instant before ctx reports
		// it, and a cause comes only with ctx's own end: wait for that,
		// which is due (its deadline passed), for a grace at most (a
		// context that never reports the end its deadline promised gets
		// the deadline's error).
		w = &Waiter{hub: h, label: "context"}
		if _, err = w.Get(lateDeadline{ctx}); !ctxwait.Ended(ctx, err) {
			return err
		}
	}
	if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
		return opErr(op, cause)
	}
	return opErr(op, ctxwait.Err(ContextError(ctx), err))
}

// deadlineGrace is how long after its deadline WaitContext waits for a
// context to report its end, once the hub's timer saw the deadline first.
const deadlineGrace = time.Second

// lateDeadline is a context whose deadline comes deadlineGrace after its
// own, for a wait that its cancel (its own timer's, for its deadline) is to
// end.
type lateDeadline struct{ context.Context }

func (c lateDeadline) Deadline() (time.Time, bool) {
	dl, ok := c.Context.Deadline()
	return dl.Add(deadlineGrace), ok
}
