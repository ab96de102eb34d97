package fileobject

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// Thread mode runs *os.File's own Read and Write on the hub's thread pool and parks the greenlet
// until the worker returns. A wait that ends early (deadline, ctx, Kill) cannot stop the call
// on the worker, so the call stays the side's pending one: the next Read collects its bytes
// (nothing read is lost), the next Write waits for it first and reports its failure.

// threadRead is Read in thread mode.
func (s *side) threadRead(ctx context.Context, h *scheduler.Hub, p []byte) (int, error) {
	if len(s.left) > 0 || s.leftErr != nil {
		return s.takeLeft(p)
	}
	if s.pend == nil {
		if s.expired() {
			return 0, ErrTimeout
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
		s.pend = threadpool.Spawn(threadpool.Default(), func() (result, error) {
			n, err := f.Read(buf)
			return result{data: buf[:max(n, 0)], err: err}, nil
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
	if s.pend != nil {
		res, err := s.collect(ctx, h)
		if err != nil {
			return 0, err
		}
		if res.err != nil {
			return 0, fmt.Errorf("an earlier write whose wait ended early: %w", threadErr("write", res.err))
		}
	}
	if s.expired() {
		return 0, ErrTimeout
	}
	// A copy: the caller may reuse p as soon as Write returns, even if the worker has not.
	data := append(s.wbuf[:0], p...)
	s.wbuf = data
	f := s.f.f
	s.pend = threadpool.Spawn(threadpool.Default(), func() (result, error) {
		n, err := f.Write(data)
		return result{n: n, err: err}, nil
	})
	res, err := s.collect(ctx, h)
	if err != nil {
		return 0, err
	}
	return res.n, threadErr("write", res.err)
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
	s.pend = nil
	res, err := r.TryGet()
	if err != nil {
		return result{}, err // the pool refused the call, or it panicked
	}
	return res, nil
}

// waitResult parks the calling greenlet until the pending call returns, the deadline passes,
// the File is closed, ctx ends, or an error is thrown into the greenlet.
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
		if !s.early(rev) || r.Ready() {
			return s.outcome(rev)
		}
	}
}

// waitOnce is one wait of waitResult, which repeats it when the deadline timer fired early.
func (s *side) waitOnce(ctx context.Context, r *threadpool.Result[result]) (int, error) {
	if err := s.armDeadline(); err != nil {
		return 0, err
	}
	// A Waiter per wait: a wake that lands after the wait ended (Close's) goes to one nobody
	// reads again.
	w := scheduler.NewWaiter(s.label)
	id := r.Rawlink(func(scheduler.Linkable) { s.fire(revDone) })
	s.tw, s.busy = w, true
	v, err := w.Get(ctx)
	s.tw, s.busy = nil, false
	r.Unlink(id)
	s.stopTimer()
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
