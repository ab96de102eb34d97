package fileobject

import (
	"context"
	"errors"
	"io"
	"os"
	"sync/atomic"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// Thread mode runs *os.File's own Read and Write on the hub's thread pool and parks the greenlet
// until the worker returns. A wait that ends early (deadline, ctx, Kill) cannot stop the call
// on the worker, so the call stays the side's pending one: the next Read collects its bytes
// (nothing read is lost), the next Write waits for it first and reports its failure.

// threadRead is Read in thread mode.
func (s *side) threadRead(ctx context.Context, h *scheduler.Hub, p []byte) (int, error) {
	if err := s.f.settleCtl(ctx, h, s); err != nil {
		return 0, err
	}
	if len(s.left) > 0 || s.leftErr != nil {
		return s.takeLeft(p)
	}
	s.adopt(h)
	if s.pend == nil {
		if s.expired() {
			return 0, ErrTimeout
		}
		if err := scheduler.ContextError(ctx); err != nil {
			return 0, err // an ended ctx starts no read: it would take input for a later call
		}
		// The worker gets a buffer of its own: if the wait ends early, it still writes into it
		// after p went back to the caller. It is reused once its bytes were handed out.
		buf := s.wbuf
		if cap(buf) < len(p) {
			buf = make([]byte, len(p))
		}
		buf = buf[:len(p)]
		s.wbuf = buf
		f := s.f.f
		s.spawn(h, func() result {
			n, err := f.Read(buf)
			return result{data: buf[:max(n, 0)], err: err}
		})
	}
	res, err := s.collect(ctx, h)
	if err != nil {
		return 0, err
	}
	n := copy(p, res.data)
	if n < len(res.data) {
		s.left, s.leftErr = res.data[n:], res.err
		return n, nil
	}
	return n, threadErr("read", res.err)
}

// takeLeft hands out the bytes of a read that did not fit into the caller's buffer.
func (s *side) takeLeft(p []byte) (int, error) {
	n := copy(p, s.left)
	s.left = s.left[n:]
	if len(s.left) > 0 {
		return n, nil
	}
	err := s.leftErr
	s.left, s.leftErr = nil, nil
	if n > 0 && err == io.EOF {
		// io.Reader allows either; the next Read returns EOF again.
		return n, nil
	}
	return n, threadErr("read", err)
}

// threadWrite is Write in thread mode.
func (s *side) threadWrite(ctx context.Context, h *scheduler.Hub, p []byte) (int, error) {
	if err := s.f.settleCtl(ctx, h, s); err != nil {
		return 0, err
	}
	if err := s.settleWrite(ctx, h); err != nil {
		return 0, err
	}
	if s.expired() {
		return 0, ErrTimeout
	}
	if err := scheduler.ContextError(ctx); err != nil {
		return 0, err // an ended ctx starts no write: the caller is told nothing was written
	}
	if err := s.f.rewind(ctx, h, s); err != nil {
		return 0, err
	}
	// A copy: the caller may reuse p as soon as Write returns, even if the worker has not.
	data := append(s.wbuf[:0], p...)
	s.wbuf = data
	f := s.f.f
	s.spawn(h, func() result {
		n, err := f.Write(data)
		return result{n: n, err: err}
	})
	res, err := s.collect(ctx, h)
	if err != nil {
		return 0, err
	}
	return res.n, threadErr("write", res.err)
}

// threadCall is a call on a worker as a hub other than the one that started it can collect it:
// a hub's end does not stop a call already on a worker, and nothing delivers its Result then.
type threadCall struct {
	state atomic.Int32 // callQueued, then callRan (the worker took it) or callDropped (adopt did)
	out   chan result  // the call's result, once it returned (holds one)
}

const (
	callQueued int32 = iota
	callRan
	callDropped
)

// spawn starts call on a worker of hub h's thread pool as the side's pending call.
func (s *side) spawn(h *scheduler.Hub, call func() result) {
	c := &threadCall{out: make(chan result, 1)}
	s.pend = threadpool.Spawn(threadpool.Default(), func() (result, error) {
		if !c.state.CompareAndSwap(callQueued, callRan) {
			return result{err: ErrClosed}, nil // dropped by adopt; nobody collects it
		}
		res := call()
		c.out <- res
		return res, nil
	})
	s.pendHub, s.pendRun = h, c
}

// adopt makes a pending call started on a hub that was destroyed before its result was
// delivered (nothing delivers it there any more) a pending call of hub h, the caller's: a worker
// of h's pool waits for the call's result, which the wait collects as any other, so no byte read
// is lost and a failed write is still reported. A call that had not started on a worker is
// dropped: it read or wrote nothing, and it is as if it never was.
func (s *side) adopt(h *scheduler.Hub) {
	if s.pend == nil || s.pendHub == h || s.pend.Ready() {
		return
	}
	c := s.pendRun
	if c.state.CompareAndSwap(callQueued, callDropped) {
		s.pend, s.pendHub, s.pendRun = nil, nil, nil
		return
	}
	s.pend = threadpool.Spawn(threadpool.Default(), func() (result, error) {
		res := <-c.out
		c.out <- res // for a later hub, should this one end before the delivery too
		return res, nil
	})
	s.pendHub = h
}

// collect waits for the pending call and returns its result, clearing it. When the wait ends
// early the call stays pending; a call that returned just as the deadline passed still counts.
// While a greenlet waits for the call, its result is that greenlet's, even once it is ready
// and the greenlet has not resumed yet: anyone else gets ErrConcurrentUse.
func (s *side) collect(ctx context.Context, h *scheduler.Hub) (result, error) {
	if s.busy {
		return result{}, scheduler.ErrConcurrentUse
	}
	r := s.pend
	if !r.Ready() {
		err := s.waitResult(ctx, h, r)
		if err != nil && !(errors.Is(err, ErrTimeout) && r.Ready()) {
			return result{}, err
		}
	}
	if s.f.closing.Load() {
		return result{}, ErrClosed
	}
	s.pend, s.pendHub, s.pendRun = nil, nil, nil
	res, err := r.TryGet()
	if err != nil {
		return result{}, err // the pool refused the call, or it panicked
	}
	return res, nil
}

// waitResult parks the calling greenlet until the pending call r returns (with a nil r: until
// the wait of the greenlet that waits for the File's control call ended, see awaitCtl), the
// deadline passes, the File is closed, ctx ends, or an error is thrown into the greenlet.
func (s *side) waitResult(ctx context.Context, h *scheduler.Hub, r *threadpool.Result[result]) error {
	if s.f.closing.Load() {
		return ErrClosed
	}
	s.bind(h)
	for {
		rev, err := s.waitOnce(ctx, r)
		if err != nil {
			return err
		}
		if !s.early(rev) || (r != nil && r.Ready()) || (r == nil && !s.f.c.busy) {
			return s.outcome(rev)
		}
	}
}

// waitOnce is one wait of waitResult, which repeats it when the deadline timer fired early. With r,
// r's return wakes it; without, ctlReleased.
func (s *side) waitOnce(ctx context.Context, r *threadpool.Result[result]) (int, error) {
	if err := s.armDeadline(); err != nil {
		return 0, err
	}
	// A Waiter per wait: a wake that lands after the wait ended (Close's) goes to one nobody
	// reads again.
	w := scheduler.NewWaiter(s.label)
	var id scheduler.LinkID
	if r != nil {
		id = r.Rawlink(func(scheduler.Linkable) { s.fire(revDone) })
	}
	s.tw, s.busy = w, true
	v, err := w.Get(ctx)
	s.tw, s.busy = nil, false
	if r != nil {
		r.Unlink(id)
	}
	s.stopTimer()
	if s == &s.f.c {
		s.f.ctlReleased()
	}
	rev, _ := v.(int)
	return rev, err
}

// threadErr names call in an error of *os.File's Read or Write; os.File's closed error becomes
// ErrClosed, io.EOF stays as it is.
func threadErr(call string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if errors.Is(err, os.ErrClosed) {
		return ErrClosed
	}
	return sysErr(call, err)
}
