package fileobject

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"syscall"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// Seek, Truncate and Stat. In poll mode (a pipe, a tty) they are *os.File's, run on the hub: the
// kernel answers at once (a pipe refuses lseek with ESPIPE and ftruncate with EINVAL). In thread
// mode they run on a worker, as reads and writes do, as the pending call of the File's third
// side (f.c), and no write (for Seek, no read either) runs beside them: each first waits for the
// calls still on a worker (quiesce), and a Read or Write first waits for a pending one of theirs,
// on its own side, in progress or abandoned (settleCtl). A greenlet already waiting on a side
// they must wait for makes them fail with scheduler.ErrConcurrentUse, as a second reader does.

// Seek sets the offset of the next Read or Write to offset, interpreted by whence (io.Seeker:
// io.SeekStart, io.SeekCurrent, io.SeekEnd), and returns the new offset from the start. In
// thread mode it first waits for the reads and writes still on a worker; io.SeekCurrent counts
// from what Read has handed out, bytes read ahead and not handed out yet are dropped. A pipe,
// socket or tty fails with syscall.ESPIPE, as *os.File's, at once, in thread mode too (it waits
// for nothing and drops nothing). Hub-affine, as Read. SeekContext bounds the wait.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	return f.seek("File.Seek", context.Background(), offset, whence)
}

// SeekContext is Seek bounded by ctx too: when ctx ends first it returns an *Error naming it that
// wraps scheduler.ContextError's error (a read of a descriptor that seeks but is not a regular
// file, an eventfd or a device, can stay on a worker for ever). Ended while it waited for the calls
// before it, it moved nothing; ended once its lseek was on a worker, the lseek still runs and the
// next call of the File collects it, as after a Seek whose greenlet was killed.
func (f *File) SeekContext(ctx context.Context, offset int64, whence int) (int64, error) {
	return f.seek("File.SeekContext", ctx, offset, whence)
}

func (f *File) seek(op string, ctx context.Context, offset int64, whence int) (int64, error) {
	h, err := f.checkWait(op, ctx)
	if err != nil {
		return 0, err
	}
	if f.mode != modeThread {
		off, err := f.f.Seek(offset, whence)
		return off, f.opErr(op, sysErr("seek", err))
	}
	if f.noSeek {
		// Nothing to wait for first: the lseek could only fail.
		return 0, f.opErr(op, sysErr("seek", syscall.ESPIPE))
	}
	off, err := f.threadSeek(ctx, h, offset, whence)
	return off, f.waitErr(op, ctx, err)
}

// Truncate changes the size of the file to size (*os.File's Truncate); the offset stays. In
// thread mode it first waits for the writes still on a worker. Anything but a regular file (a
// pipe, socket, tty, device, eventfd) fails with syscall.EINVAL, at once in thread mode too.
// Hub-affine, as Read. TruncateContext bounds the wait.
func (f *File) Truncate(size int64) error {
	return f.truncate("File.Truncate", context.Background(), size)
}

// TruncateContext is Truncate bounded by ctx too, as SeekContext is Seek.
func (f *File) TruncateContext(ctx context.Context, size int64) error {
	return f.truncate("File.TruncateContext", ctx, size)
}

func (f *File) truncate(op string, ctx context.Context, size int64) error {
	h, err := f.checkWait(op, ctx)
	if err != nil {
		return err
	}
	if f.mode != modeThread {
		return f.opErr(op, sysErr("truncate", f.f.Truncate(size)))
	}
	if !f.regular {
		// Only a regular file truncates: the ftruncate could only fail, and waiting first for a
		// write stuck on a full pipe or eventfd could take for ever.
		return f.opErr(op, sysErr("truncate", syscall.EINVAL))
	}
	if err := f.quiesce(ctx, h, false); err != nil {
		return f.waitErr(op, ctx, err)
	}
	file := f.f
	_, err = f.runCtl(ctx, h, "truncate", func() result { return result{err: file.Truncate(size)} })
	return f.waitErr(op, ctx, err)
}

// Stat returns the os.FileInfo of the file (*os.File's Stat). In thread mode it first waits for
// the writes still on a worker, so the size counts them; not for anything but a regular file (a
// pipe, socket, tty, device, eventfd), which has no size to count them in (its fstat answers at
// once, on the hub). Hub-affine, as Read. StatContext bounds the wait.
func (f *File) Stat() (os.FileInfo, error) {
	return f.stat("File.Stat", context.Background())
}

// StatContext is Stat bounded by ctx too, as SeekContext is Seek.
func (f *File) StatContext(ctx context.Context) (os.FileInfo, error) {
	return f.stat("File.StatContext", ctx)
}

func (f *File) stat(op string, ctx context.Context) (os.FileInfo, error) {
	h, err := f.checkWait(op, ctx)
	if err != nil {
		return nil, err
	}
	if f.mode != modeThread || !f.regular {
		fi, err := f.f.Stat()
		if err != nil {
			return nil, f.opErr(op, sysErr("stat", err))
		}
		return fi, nil
	}
	if err := f.quiesce(ctx, h, false); err != nil {
		return nil, f.waitErr(op, ctx, err)
	}
	file := f.f
	res, err := f.runCtl(ctx, h, "stat", func() result {
		fi, err := file.Stat()
		return result{info: fi, err: err}
	})
	if err != nil {
		return nil, f.waitErr(op, ctx, err)
	}
	return res.info, nil
}

// threadSeek is Seek in thread mode. The bytes read ahead (f.r.left, and a pending read's once
// quiesce has collected it) are past the offset the caller sees: io.SeekCurrent counts back
// from the kernel's offset by their number. They are dropped once the lseek succeeded (endCtl),
// not before: a failed lseek moved nothing, and the next Read still hands them out.
func (f *File) threadSeek(ctx context.Context, h *scheduler.Hub, offset int64, whence int) (int64, error) {
	if err := f.quiesce(ctx, h, true); err != nil {
		return 0, err
	}
	if whence == io.SeekCurrent {
		ahead := int64(len(f.r.left))
		if offset < math.MinInt64+ahead {
			return 0, os.NewSyscallError("seek", syscall.EINVAL)
		}
		offset -= ahead
	}
	file := f.f
	res, err := f.runCtl(ctx, h, "seek", func() result {
		off, err := file.Seek(offset, whence)
		return result{off: off, err: err}
	})
	return res.off, err
}

// rewind puts the offset of a regular file back by the bytes read ahead before a Write, which
// then lands where Read stopped, as with a buffered file (Python's BufferedRandom, under
// gevent's FileObjectThread): a seek run as the pending control call, which drops them once it
// succeeded (endCtl) and which a Read waits for, waited for on side by. Nothing to do for a
// stream, whose reads and writes do not share an offset, nor while a read is pending, whose
// count is not known yet.
func (f *File) rewind(ctx context.Context, h *scheduler.Hub, by *side) error {
	ahead := int64(len(f.r.left))
	if !f.regular || ahead == 0 || f.r.pend != nil || f.c.pend != nil {
		return nil
	}
	file := f.f
	f.c.spawn(h, func() result {
		off, err := file.Seek(-ahead, io.SeekCurrent)
		return result{off: off, err: err}
	})
	f.ctlCall = "seek"
	return f.settleCtl(ctx, h, by)
}

// quiesce waits until no call of the File is pending on a worker: a Seek, Truncate or Stat whose
// wait ended early, a write (whose failure it reports, as the next Write would), and with read a
// read, whose bytes join those read ahead. It loops: a wait lets other greenlets start calls.
// First it lets a Read or Write that the last control call's end woke (ctlReleased) run: else a
// greenlet calling Seek, Truncate or Stat back to back would start the next before they ran, and
// they would wait again, for as long as it goes on.
func (f *File) quiesce(ctx context.Context, h *scheduler.Hub, read bool) error {
	for !f.c.busy && (f.r.ctlWait || f.w.ctlWait) {
		// Woken, not run yet (while a greenlet waits in a control call they wait for it, and
		// this call fails with ErrConcurrentUse below): their wake-up is queued on the hub
		// before this sleep's, so one pass runs them.
		if err := scheduler.Sleep(ctx, 0); err != nil {
			return err
		}
	}
	for {
		var err error
		switch {
		case f.c.pend != nil:
			err = f.settleCtl(ctx, h, nil)
		case read && f.r.pend != nil:
			err = f.r.settleRead(ctx, h)
		case f.w.pend != nil:
			err = f.w.settleWrite(ctx, h)
		default:
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// runCtl runs call, the system call named name, on a worker as the pending call of f.c and
// waits for it, within ctx. If the wait ends early the call stays pending, for the next call to
// collect.
func (f *File) runCtl(ctx context.Context, h *scheduler.Hub, name string, call func() result) (result, error) {
	if err := scheduler.ContextError(ctx); err != nil {
		return result{}, err
	}
	f.c.spawn(h, call)
	f.ctlCall = name
	res, err := f.c.collect(ctx, h)
	if err != nil {
		return result{}, err
	}
	return res, f.endCtl(name, res)
}

// endCtl applies the result of the control call name once collected: a successful seek drops
// the bytes read ahead.
func (f *File) endCtl(name string, res result) error {
	if res.err != nil {
		return threadErr(name, res.err)
	}
	if name == "seek" {
		f.r.left, f.r.leftErr = nil, nil
	}
	return nil
}

// settleCtl waits for the Seek, Truncate or Stat pending on a worker (thread mode) and, when it
// collects it, fails if it failed, as a Write does for an earlier write. by is the side of the
// Read or Write that waits, nil for a Seek, Truncate or Stat: for them the pending call is one
// whose wait ended early, and a greenlet waiting for it makes them fail with ErrConcurrentUse
// (collect). A Read or Write waits on its own side (its deadline, Close, one waiter per side)
// until the call returned and, if a greenlet waits for it in its Seek, Truncate or Stat, until
// that greenlet's wait ended (awaitCtl); then it collects the call itself if it is still there.
func (f *File) settleCtl(ctx context.Context, h *scheduler.Hub, by *side) error {
	for {
		f.c.adopt(h)
		r := f.c.pend
		if r == nil {
			return nil
		}
		if by == nil || (r.Ready() && !f.c.busy) {
			return f.collectCtl(ctx, h)
		}
		if err := by.awaitCtl(ctx, h, r); err != nil {
			return err
		}
	}
}

// awaitCtl parks the Read or Write of side s, on its own side (its deadline, ctx, Close), while
// r, the File's pending control call, cannot be collected by it: while a greenlet waits for r in
// its Seek, Truncate or Stat, r is that greenlet's, and s waits until that wait ended, r
// collected or abandoned (ctlReleased wakes it), whether or not r returned: the greenlet may run
// again late or never (killed), and s must not spin meanwhile. Else s waits until r returned.
func (s *side) awaitCtl(ctx context.Context, h *scheduler.Hub, r *threadpool.Result[result]) error {
	if s.busy {
		return scheduler.ErrConcurrentUse
	}
	if s.f.c.busy {
		s.ctlWait = true
		defer func() { s.ctlWait = false }()
		return s.waitResult(ctx, h, nil)
	}
	if err := s.waitResult(ctx, h, r); err != nil && !(errors.Is(err, ErrTimeout) && r.Ready()) {
		return err
	}
	return nil
}

// ctlReleased runs when the wait of the greenlet that waits for the control call ends, collected
// (the greenlet goes on to apply the result without a switch) or abandoned: it wakes the Read and
// Write waiting for that (awaitCtl), which then collect the call themselves or wait for it.
func (f *File) ctlReleased() {
	if f.r.ctlWait {
		f.r.fire(revDone)
	}
	if f.w.ctlWait {
		f.w.fire(revDone)
	}
}

// collectCtl collects the pending control call, waiting on f.c, and applies its result.
func (f *File) collectCtl(ctx context.Context, h *scheduler.Hub) error {
	res, err := f.c.collect(ctx, h)
	if err != nil {
		return err
	}
	if err := f.endCtl(f.ctlCall, res); err != nil {
		return fmt.Errorf("an earlier %s whose wait ended early: %w", f.ctlCall, err)
	}
	return nil
}

// settleRead waits for the read pending on the side's worker and keeps what it returned for
// the next Read.
func (s *side) settleRead(ctx context.Context, h *scheduler.Hub) error {
	s.adopt(h)
	if s.pend == nil {
		return nil
	}
	res, err := s.collect(ctx, h)
	if err != nil {
		return err
	}
	s.left, s.leftErr = res.data, res.err
	return nil
}

// settleWrite waits for the write pending on the side's worker and fails if it failed.
func (s *side) settleWrite(ctx context.Context, h *scheduler.Hub) error {
	s.adopt(h)
	if s.pend == nil {
		return nil
	}
	res, err := s.collect(ctx, h)
	if err != nil {
		return err
	}
	if res.err != nil {
		return fmt.Errorf("an earlier write whose wait ended early: %w", threadErr("write", res.err))
	}
	return nil
}
