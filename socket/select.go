package socket

import (
	"context"
	"errors"
	"os"
	"syscall"
	"unsafe"

	"github.com/geventgo/geventgo/cev"
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
// (Revents is filled in, as poll(2) does; PollErr, PollHup and PollNval are always reported) or
// ctx ends, and returns how many entries have non-zero Revents. When ctx ends first it returns 0
// and scheduler.ContextError's error (for a deadline, matching scheduler.ErrTimeout). TryPoll
// only looks.
func Poll(ctx context.Context, fds []PollFD) (int, error) {
	h, err := waitHub(ctx, "poll")
	if err != nil {
		return 0, err
	}
	n, err := ppoll0(fds)
	if err != nil || n > 0 {
		return n, err
	}
	evs := make([]int, len(fds))
	for i, p := range fds {
		if p.Events&(PollIn|PollPri) != 0 {
			evs[i] |= cev.EV_READ
		}
		if p.Events&PollOut != 0 {
			evs[i] |= cev.EV_WRITE
		}
	}
	for {
		if err := waitAny(ctx, h, fds, evs); err != nil {
			return 0, err
		}
		// Another greenlet may have drained the fd between the wake and now: look again.
		if n, err := ppoll0(fds); err != nil || n > 0 {
			return n, err
		}
	}
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

// waitAny blocks until one of fds fires one of evs or ctx ends. libev reports errors and
// hang-ups as readiness for the events asked, so the caller's ppoll then sees them.
func waitAny(ctx context.Context, h *scheduler.Hub, fds []PollFD, evs []int) error {
	w := scheduler.NewWaiter("select")
	loop := h.Loop()
	var watchers []cev.Watcher
	defer func() {
		for _, x := range watchers {
			_ = x.Close()
		}
	}()
	wake := func() {
		if !w.Ready() {
			w.Switch(nil)
		}
	}
	for i, p := range fds {
		if evs[i] == 0 {
			continue
		}
		io, err := loop.NewIO(int(p.Fd), evs[i], func(*cev.IO, int) { wake() })
		if err != nil {
			return err
		}
		watchers = append(watchers, io)
		if err := io.Start(); err != nil {
			if errors.Is(err, cev.ErrBadFD) {
				return errors.Join(ErrBadFD, err)
			}
			return err
		}
	}
	_, err := w.Get(ctx)
	return err
}

// Select is gevent's select.select for readability and writability: it blocks only the calling
// greenlet until at least one fd of r is readable or one of w writable, or ctx ends, and returns
// the ready ones. When ctx ends first it returns scheduler.ContextError's error. A closed fd
// fails with an error matching ErrBadFD. TrySelect only looks.
func Select(ctx context.Context, r, w []int) (rr, wr []int, err error) {
	fds := selectFDs(r, w)
	if _, err := Poll(ctx, fds); err != nil {
		return nil, nil, err
	}
	return selected(fds, len(r))
}

// TrySelect is Select that does not wait: it returns the fds ready now (one ppoll(2) call,
// from any goroutine).
func TrySelect(r, w []int) (rr, wr []int, err error) {
	fds := selectFDs(r, w)
	if _, err := ppoll0(fds); err != nil {
		return nil, nil, err
	}
	return selected(fds, len(r))
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
			return nil, nil, &os.SyscallError{Syscall: "select", Err: errors.Join(ErrBadFD, syscall.EBADF)}
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
// ends (scheduler.ContextError's error).
func WaitRead(ctx context.Context, fd int) error { return waitFD(ctx, fd, PollIn) }

// WaitWrite blocks the calling greenlet until fd is writable (gevent.socket.wait_write) or ctx
// ends.
func WaitWrite(ctx context.Context, fd int) error { return waitFD(ctx, fd, PollOut) }

func waitFD(ctx context.Context, fd int, ev int16) error {
	fds := []PollFD{{Fd: int32(fd), Events: ev}}
	if _, err := Poll(ctx, fds); err != nil {
		return err
	}
	if fds[0].Revents&PollNval != 0 {
		return &os.SyscallError{Syscall: "wait", Err: errors.Join(ErrBadFD, syscall.EBADF)}
	}
	return nil
}
