package socket

import (
	"errors"
	"os"
	"syscall"
	"time"
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

// ErrBadFD is returned (wrapped) by Select and the Wait functions when an fd is not open.
var ErrBadFD = errors.New("bad file descriptor")

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
// (Revents is filled in, as poll(2) does; PollErr, PollHup and PollNval are always reported)
// or timeout passes (scheduler.Forever: no limit, 0: just look). It returns how many entries
// have non-zero Revents; a timeout is not an error, it returns 0.
func Poll(fds []PollFD, timeout time.Duration) (int, error) {
	n, err := ppoll0(fds)
	if err != nil || n > 0 || timeout == 0 {
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
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		left := scheduler.Forever
		if !deadline.IsZero() {
			if left = time.Until(deadline); left <= 0 {
				return 0, nil
			}
		}
		if err := waitAny(fds, evs, left); err != nil {
			return 0, err
		}
		// Another greenlet may have drained the fd between the wake and now: look again.
		if n, err := ppoll0(fds); err != nil || n > 0 {
			return n, err
		}
	}
}

// waitAny blocks until one of fds fires one of evs or timeout passes. libev reports errors and
// hang-ups as readiness for the events asked, so the caller's ppoll then sees them.
func waitAny(fds []PollFD, evs []int, timeout time.Duration) error {
	h := scheduler.GetHub()
	w := scheduler.NewWaiterLabel("select")
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
	if timeout > 0 {
		t, err := loop.NewTimer(timeout.Seconds(), 0, func(*cev.Timer, int) { wake() })
		if err != nil {
			return err
		}
		watchers = append(watchers, t)
		if err := t.Start(); err != nil {
			return err
		}
	}
	_, err := w.Get()
	return err
}

// Select is gevent's select.select for readability and writability: it blocks only the calling
// greenlet until at least one fd of r is readable or one of w writable, or timeout passes
// (scheduler.Forever: no limit, 0: just look), and returns the ready ones. A timeout returns
// empty lists and no error. A closed fd fails with an error matching ErrBadFD.
func Select(r, w []int, timeout time.Duration) (rr, wr []int, err error) {
	fds := make([]PollFD, 0, len(r)+len(w))
	for _, fd := range r {
		fds = append(fds, PollFD{Fd: int32(fd), Events: PollIn})
	}
	for _, fd := range w {
		fds = append(fds, PollFD{Fd: int32(fd), Events: PollOut})
	}
	if _, err := Poll(fds, timeout); err != nil {
		return nil, nil, err
	}
	for i, p := range fds {
		if p.Revents&PollNval != 0 {
			return nil, nil, &os.SyscallError{Syscall: "select", Err: errors.Join(ErrBadFD, syscall.EBADF)}
		}
		if p.Revents == 0 {
			continue
		}
		if i < len(r) {
			rr = append(rr, int(p.Fd))
		} else {
			wr = append(wr, int(p.Fd))
		}
	}
	return rr, wr, nil
}

// WaitRead blocks the calling greenlet until fd is readable (gevent.socket.wait_read). A timeout
// (not scheduler.Forever) that passes returns an error matching ErrTimeout.
func WaitRead(fd int, timeout time.Duration) error { return waitFD(fd, PollIn, timeout) }

// WaitWrite blocks the calling greenlet until fd is writable (gevent.socket.wait_write).
func WaitWrite(fd int, timeout time.Duration) error { return waitFD(fd, PollOut, timeout) }

func waitFD(fd int, ev int16, timeout time.Duration) error {
	fds := []PollFD{{Fd: int32(fd), Events: ev}}
	n, err := Poll(fds, timeout)
	if err != nil {
		return err
	}
	if fds[0].Revents&PollNval != 0 {
		return &os.SyscallError{Syscall: "wait", Err: errors.Join(ErrBadFD, syscall.EBADF)}
	}
	if n == 0 {
		return ErrTimeout
	}
	return nil
}
