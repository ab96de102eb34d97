package ghttp

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

// watch notices a client that goes away while a handler runs, and cancels the request's
// context then, as net/http's background read does, without a greenlet or a goroutine per
// request: once the request body was read to its end (or there was none), a libev io watcher
// waits for the socket to become readable. Its callback peeks (recv with MSG_PEEK): end of file
// or an error means the client is gone; data means a pipelined request, which stops the watch
// (net/http stops there too). On TLS the bytes could be a close_notify alert, so a greenlet
// then reads one byte through crypto/tls and keeps it for the next request. The watcher does
// not keep the hub's loop alive (ev_unref while active), so a handler blocked for ever still
// gets LoopExit.
type watch struct {
	c        *conn
	io       *cev.IO
	loop     *cev.Loop
	active   bool
	bg       *scheduler.Greenlet[struct{}] // the TLS one-byte read, while it runs
	aborting bool                          // abort is waking bg with a past deadline
	peek     [1]byte
}

// start arms the watch; it does nothing when the watch is armed, the TLS read runs, or a byte
// of the next request was read already.
func (wt *watch) start() {
	c := wt.c
	if wt.active || wt.bg != nil || c.cr.hasByte || c.hijackedv {
		return
	}
	if wt.io == nil {
		h := c.srv.hub.Hub()
		if h == nil {
			return
		}
		wt.loop = h.Loop()
		w, err := wt.loop.NewIO(c.sc.Fd(), cev.EV_READ, wt.fired)
		if err != nil {
			return // no watch: the context is then cancelled only by a failed read or write
		}
		wt.io = w
	}
	if wt.io.Start() != nil {
		return
	}
	_ = wt.loop.Unref()
	wt.active = true
}

// stop disarms the watcher.
func (wt *watch) stop() {
	if !wt.active {
		return
	}
	wt.active = false
	_ = wt.loop.Ref()
	_ = wt.io.Stop()
}

// fired runs on the hub when the socket became readable (or its fd was closed under the
// watcher: EV_ERROR).
func (wt *watch) fired(_ *cev.IO, revents int) {
	if revents&cev.EV_ERROR != 0 {
		wt.stop()
		return
	}
	n, _, err := syscall.Recvfrom(wt.c.sc.Fd(), wt.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return // spurious: keep watching
	case err != nil || n == 0:
		wt.stop()
		wt.c.clientGone()
	default:
		wt.stop()
		if wt.c.tlsConn != nil {
			wt.readTLS()
		}
	}
}

// readTLS spawns the greenlet that reads one byte through crypto/tls: an error (close_notify,
// EOF, a reset) means the client is gone, a byte belongs to the next request.
func (wt *watch) readTLS() {
	c := wt.c
	wt.bg = scheduler.Spawn(func() (struct{}, error) {
		n, err := c.tlsConn.Read(c.cr.byteBuf[:])
		if n == 1 {
			c.cr.hasByte = true
		}
		if err != nil && !(wt.aborting && errors.Is(err, os.ErrDeadlineExceeded)) {
			c.clientGone()
		}
		return struct{}{}, nil
	})
	wt.bg.SetName("ghttp TLS read " + c.remoteAddr)
}

// abort disarms the watch and ends the TLS read, if one runs, by a past read deadline.
func (wt *watch) abort() {
	wt.stop()
	bg := wt.bg
	if bg == nil {
		return
	}
	if !bg.Ready() {
		wt.aborting = true
		_ = wt.c.rwc.SetReadDeadline(aLongTimeAgo)
		_ = bg.Join(context.Background())
		wt.aborting = false
		_ = wt.c.rwc.SetReadDeadline(time.Time{})
	}
	wt.bg = nil
}

// free releases the watcher's C memory; the watch is unusable afterwards.
func (wt *watch) free() {
	wt.stop()
	if wt.io != nil {
		_ = wt.io.Close()
		wt.io = nil
	}
}
