package socket

import (
	"context"
	"errors"
	"os"
	"syscall"
	"unsafe"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
)

// poll(2) event bits (Linux values), for Poll.
const (
	PollIn   = 0x1
	PollPri  = 0x2
	PollOut  = 0x4
	PollErr  = 0x8
	PollHup  = 0x10
	PollNval = 0x20
)

// PollFD is one entry of Poll: the fd, the events asked for and the events that happened. Its
// layout is struct pollfd's, so a []PollFD goes to ppoll(2) as it is.
type PollFD struct {
	Fd      int32 // the file descriptor (a closed one comes back with PollNval in Revents)
	Events  int16 // the events to wait for: PollIn, PollPri and/or PollOut
	Revents int16 // set by Poll to the events that happened, including PollErr, PollHup and PollNval
}

// ppoll0 polls without waiting: the exact readiness of fds, in the kernel's words.
func ppoll0(fds []PollFD) (int, error) {
	if len(fds) == 0 {
		return 0, nil
	}
	var ts syscall.Timespec
	for {
		n, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, os.NewSyscallError("ppoll", e)
		}
		return int(n), nil
	}
}

// Poll waits, blocking only the calling greenlet, until one of fds has an event it asks for
// (Revents is filled in, as poll(2) does; PollErr, PollHup and PollNval are always reported,
// even for an entry that asks for no event, and an entry with a negative Fd is ignored) or ctx
// ends, and returns how many entries have non-zero Revents. When ctx ends first it returns 0
// and an *os.SyscallError naming "poll" that wraps scheduler.ContextError's error (for a
// deadline, matching scheduler.ErrTimeout); what is thrown into the greenlet (a Kill's error,
// a Timeout) comes back as it is. With no fd to watch it waits for ctx alone (LoopExit when
// nothing else can wake the hub) and opens no descriptor. TryPoll only looks.
func Poll(ctx context.Context, fds []PollFD) (int, error) { return poll(ctx, "poll", fds) }

// poll is Poll for the call op ("poll", "select", "wait"), which the error of a wait that ctx
// ended names.
func poll(ctx context.Context, op string, fds []PollFD) (int, error) {
	h, err := waitHub(ctx, op)
	if err != nil {
		return 0, err
	}
	for {
		if n, err := ppoll0(fds); err != nil || n > 0 {
			return n, err
		}
		if err := waitAny(ctx, h, fds); err != nil {
			return 0, waitErr(op, ctx, err)
		}
		// Another greenlet may have drained the fd between the wake and now: look again.
	}
}

// waitErr is the error of op's wait bounded by ctx: the end of ctx (decided by ctx itself:
// ctxwait.Ended) is an *os.SyscallError naming op that wraps scheduler.ContextError's error;
// what was thrown into the greenlet (a Kill's error, even context.Canceled, a Timeout) comes
// back as it is.
func waitErr(op string, ctx context.Context, err error) error {
	if !ctxwait.Ended(ctx, err) {
		return err
	}
	return &os.SyscallError{Syscall: op, Err: ctxwait.Err(scheduler.ContextError(ctx), err)}
}

// TryPoll is Poll that does not wait: it fills in Revents with what is ready now. It makes one
// ppoll(2) call and may be called from any goroutine.
func TryPoll(fds []PollFD) (int, error) { return ppoll0(fds) }

// waitHub is the preamble of the waiting functions: ctx is set and the caller may block on its
// hub.
func waitHub(ctx context.Context, op string) (*scheduler.Hub, error) {
	if ctx == nil {
		return nil, &os.SyscallError{Syscall: op, Err: errNilArg("context")}
	}
	h := scheduler.CurrentHub()
	if err := h.CheckWait(); err != nil {
		return nil, &os.SyscallError{Syscall: op, Err: err}
	}
	return h, nil
}

// waitAny blocks until one of fds may have an event it asks for, or ctx ends. The fds are
// registered with an epoll instance of Poll's own, each with exactly the events asked (epoll,
// like poll(2), adds errors and hang-ups), and one io watcher waits for that instance to be
// readable. libev's io watchers know only readability and writability: waiting for PollPri
// through readability woke at once, and for ever, while ordinary data was queued, and an
// entry asking for nothing had no watcher, so its hang-up went unseen. With no fd registered
// (none, only negative ones, only fds epoll refuses) it waits for ctx alone, as gevent's poll
// and select wait for their event alone: nothing else can end the wait, and a watcher on the
// empty instance would keep the loop alive where the hub ends the wait in LoopExit. With no
// non-negative fd it opens no epoll instance, so it needs no descriptor, at the process's
// descriptor limit too.
func waitAny(ctx context.Context, h *scheduler.Hub, fds []PollFD) error {
	w := scheduler.NewWaiter("poll")
	if !anyFD(fds) {
		_, err := w.Get(ctx)
		return err
	}
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(epfd)
	registered, err := epollAdd(epfd, fds)
	if err != nil {
		return err
	}
	if registered == 0 {
		_, err = w.Get(ctx)
		return err
	}
	io, err := h.Loop().NewIO(epfd, cev.EV_READ, func(*cev.IO, int) {
		if !w.Ready() {
			w.Switch(nil)
		}
	})
	if err != nil {
		return err
	}
	defer io.Close() // before the epoll fd closes: libev must never poll a closed fd
	if err := io.Start(); err != nil {
		return err
	}
	_, err = w.Get(ctx)
	return err
}

// anyFD reports whether an entry of fds has an fd to watch, a non-negative one.
func anyFD(fds []PollFD) bool {
	for _, p := range fds {
		if p.Fd >= 0 {
			return true
		}
	}
	return false
}

// epollAdd registers the fds of entries with a non-negative Fd with epfd, for the events they
// ask; an fd in several entries for what they ask together. An fd epoll refuses as not
// pollable (a regular file, EPERM) is left out: poll(2) reports what it ever will for it at
// once, which the ppoll before the wait saw. It returns how many entries it registered.
func epollAdd(epfd int, fds []PollFD) (int, error) {
	registered := 0
	for _, p := range fds {
		if p.Fd < 0 {
			continue
		}
		ev := syscall.EpollEvent{Events: epollEvents(p.Events), Fd: p.Fd}
		err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, int(p.Fd), &ev)
		if err == syscall.EEXIST {
			ev.Events = 0
			for _, q := range fds {
				if q.Fd == p.Fd {
					ev.Events |= epollEvents(q.Events)
				}
			}
			err = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_MOD, int(p.Fd), &ev)
		}
		switch err {
		case nil:
			registered++
		case syscall.EPERM:
		case syscall.EBADF:
			return 0, errBadFD("poll")
		default:
			return 0, os.NewSyscallError("epoll_ctl", err)
		}
	}
	return registered, nil
}

// epollEvents is the epoll mask of poll(2) events: the bits are the same on Linux; PollNval,
// which only poll reports, is dropped.
func epollEvents(events int16) uint32 { return uint32(uint16(events)) &^ PollNval }

// Select is gevent's select.select for readability and writability: it blocks only the calling
// greenlet until at least one fd of r is readable or one of w writable, or ctx ends, and returns
// the ready ones. When ctx ends first it returns an *os.SyscallError naming "select" that wraps
// scheduler.ContextError's error. A closed fd
// fails with an error matching ErrBadFD. TrySelect only looks.
func Select(ctx context.Context, r, w []int) (rr, wr []int, err error) {
	if _, err := waitHub(ctx, "select"); err != nil {
		return nil, nil, err
	}
	if err := checkFDs(r, w); err != nil {
		return nil, nil, err
	}
	fds := selectFDs(r, w)
	if _, err := poll(ctx, "select", fds); err != nil {
		return nil, nil, err
	}
	return selected(fds, len(r))
}

// TrySelect is Select that does not wait: it returns the fds ready now (one ppoll(2) call,
// from any goroutine).
func TrySelect(r, w []int) (rr, wr []int, err error) {
	if err := checkFDs(r, w); err != nil {
		return nil, nil, err
	}
	fds := selectFDs(r, w)
	if _, err := ppoll0(fds); err != nil {
		return nil, nil, err
	}
	return selected(fds, len(r))
}

// checkFDs refuses a negative fd, which poll(2) would ignore, as select(2) and gevent do.
func checkFDs(r, w []int) error {
	for _, fd := range append(r[:len(r):len(r)], w...) {
		if fd < 0 {
			return errBadFD("select")
		}
	}
	return nil
}

// errBadFD is the error of a call given an fd that is not open, or negative.
func errBadFD(call string) error {
	return &os.SyscallError{Syscall: call, Err: errors.Join(ErrBadFD, syscall.EBADF)}
}

func selectFDs(r, w []int) []PollFD {
	fds := make([]PollFD, 0, len(r)+len(w))
	for _, fd := range r {
		fds = append(fds, PollFD{Fd: int32(fd), Events: PollIn})
	}
	for _, fd := range w {
		fds = append(fds, PollFD{Fd: int32(fd), Events: PollOut})
	}
	return fds
}

// selected splits the ready entries of fds (the first nr asked for reading) into Select's
// results.
func selected(fds []PollFD, nr int) (rr, wr []int, err error) {
	for i, p := range fds {
		if p.Revents&PollNval != 0 {
			return nil, nil, errBadFD("select")
		}
		if p.Revents == 0 {
			continue
		}
		if i < nr {
			rr = append(rr, int(p.Fd))
		} else {
			wr = append(wr, int(p.Fd))
		}
	}
	return rr, wr, nil
}

// WaitRead blocks the calling greenlet until fd is readable (gevent.socket.wait_read) or ctx
// ends (an *os.SyscallError naming "wait" that wraps scheduler.ContextError's error).
func WaitRead(ctx context.Context, fd int) error { return waitFD(ctx, fd, PollIn) }

// WaitWrite blocks the calling greenlet until fd is writable (gevent.socket.wait_write) or ctx
// ends.
func WaitWrite(ctx context.Context, fd int) error { return waitFD(ctx, fd, PollOut) }

// WaitReadWrite blocks the calling greenlet until fd is readable or writable
// (gevent.socket.wait_readwrite) or ctx ends.
func WaitReadWrite(ctx context.Context, fd int) error { return waitFD(ctx, fd, PollIn|PollOut) }

func waitFD(ctx context.Context, fd int, ev int16) error {
	if fd < 0 { // Poll would ignore it and wait for ctx
		if _, err := waitHub(ctx, "wait"); err != nil {
			return err
		}
		return errBadFD("wait")
	}
	fds := []PollFD{{Fd: int32(fd), Events: ev}}
	if _, err := poll(ctx, "wait", fds); err != nil {
		return err
	}
	if fds[0].Revents&PollNval != 0 {
		return errBadFD("wait")
	}
	return nil
}
