package queue

import (
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// hubRef is the hub a queue or channel belongs to. It is atomic because
// a foreign goroutine reads it to find out that it must not go further.
type hubRef struct{ p atomic.Pointer[scheduler.Hub] }

// wait says what a call is about to do, for check.
type wait uint8

const (
	noWait      wait = iota // the call completes at once
	waitTimed               // the call blocks with a timeout (Channel's non-blocking calls too)
	waitForever             // the call blocks without a time limit
)

// check returns the hub the caller may use the object on, binding an
// unbound object (or one whose hub was destroyed) to the caller's hub.
//
// A caller on another hub, or on none while the object is bound, gets
// ErrNotGreenlet before the object is touched, so a foreign goroutine can
// neither race on its state nor leave a waiter of another hub in its lists;
// so does the hub itself when it would have to wait. A goroutine with no
// hub may use an unbound object without waiting (nil hub, nil error): it is
// a plain container until a greenlet binds it. If it has to wait with a
// timeout, its hub is created as any first scheduler call in a goroutine
// creates it (the timeout is the outcome, as gevent's main thread gets);
// waiting forever there is refused instead, because nothing could ever wake
// it: the hub would be created only to end in LoopExit.
func (r *hubRef) check(op string, w wait) (*scheduler.Hub, error) {
	cur := scheduler.CurrentHub()
	h := r.p.Load()
	if h == nil || h.Destroyed() {
		if cur == nil {
			switch w {
			case noWait:
				return nil, nil
			case waitForever:
				return nil, &Error{Op: op, Err: scheduler.ErrNotGreenlet}
			}
			cur = scheduler.GetHub()
		}
		if !r.p.CompareAndSwap(h, cur) {
			h = r.p.Load()
		} else {
			h = cur
		}
	}
	if cur != h || (w != noWait && h.InHub()) {
		return nil, &Error{Op: op, Err: scheduler.ErrNotGreenlet}
	}
	return h, nil
}

// waitFor is the wait of a blocking call with timeout.
func waitFor(timeout time.Duration) wait {
	if timeout < 0 {
		return waitForever
	}
	return waitTimed
}

// load returns the bound hub, nil if none or destroyed.
func (r *hubRef) load() *scheduler.Hub {
	if h := r.p.Load(); h != nil && !h.Destroyed() {
		return h
	}
	return nil
}
