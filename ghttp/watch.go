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
// request. Once the request body was read to its end (or there was none) the watch is armed;
// a libev io watcher on the socket then calls fired when the socket becomes readable, which
// peeks (recv with MSG_PEEK): end of file or an error means the client is gone; data means a
// pipelined request, which disarms the watch (net/http stops there too). On TLS the bytes
// could be a close_notify alert, so a greenlet then reads one byte through crypto/tls and
// keeps it for the next request.
//
// The watcher is started at the first arming and stays active for the connection's life,
// because starting one costs a system call (cev checks the fd) and a request should cost none:
// readiness that the connection's greenlet is about to read (it waits in a read of its own)
// is ignored, and readiness nobody will read soon (a body the handler has not read yet) stops
// the watcher until the next arming, so a level-triggered readiness never spins the loop. The
// watcher does not keep the hub's loop alive (ev_unref while active), so a handler blocked
// for ever still gets LoopExit.
type watch struct {
	c        *conn
	io       *cev.IO
	loop     *cev.Loop
	active   bool                          // the io watcher is started (and the loop unref'd)
	armed    bool                          // a handler runs and its request body was read
	bg       *scheduler.Greenlet[struct{}] // the TLS one-byte read, while it runs
	aborting bool                          // abort is waking bg with a past deadline
	peek     [1]byte
}

// arm starts watching for the client to leave, on TLS clearing the read deadline the TLS read
// would wait under; it does nothing while the TLS read runs, once a byte of the next request
// was read, or on a closed or hijacked connection.
func (wt *watch) arm() {
	c := wt.c
	if wt.bg != nil || c.cr.hasByte || c.hijackedv || c.rawClosed {
		return
	}
	if !wt.active && !wt.start() {
		return // no watch: the context is then cancelled only by a failed read or write
	}
	if c.tlsConn != nil {
		// The request was read: ReadTimeout's deadline must not end the TLS read, which
		// may wait in a partial record while the handler runs (net/http clears it too).
		_ = c.setReadDeadline(time.Time{})
	}
	wt.armed = true
}

// start starts the io watcher, making it on first use; it reports whether the watcher runs.
func (wt *watch) start() bool {
	if wt.io == nil {
		h := wt.c.srv.hub.Hub()
		if h == nil {
			return false
		}
		wt.loop = h.Loop()
		w, err := wt.loop.NewIO(wt.c.sc.Fd(), cev.EV_READ, wt.fired)
		if err != nil {
			return false
		}
		wt.io = w
	}
	if wt.io.Start() != nil {
		return false
	}
	_ = wt.loop.Unref()
	wt.active = true
	return true
}

// stop stops the io watcher (it starts again at the next arming).
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
	c := wt.c
	switch {
	case revents&cev.EV_ERROR != 0:
		wt.stop()
		return
	case c.cr.inRead:
		return // the connection's greenlet waits to read what came: it will, at once
	case !wt.armed:
		wt.stop() // nobody reads it soon: do not let the readiness spin the loop
		return
	}
	n, _, err := syscall.Recvfrom(c.sc.Fd(), wt.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return // read by the connection's greenlet meanwhile: keep watching
	case err != nil || n == 0:
		wt.armed = false
		wt.stop()
		c.clientGone()
	default:
		wt.armed = false
		wt.stop()
		if c.tlsConn != nil {
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

// abort disarms the watch and ends the TLS read, if one runs, by a past read deadline (a
// blocking call: from the connection's greenlet only).
func (wt *watch) abort() {
	wt.armed = false
	bg := wt.bg
	if bg == nil {
		return
	}
	if !bg.Ready() {
		wt.aborting = true
		_ = wt.c.setReadDeadline(aLongTimeAgo)
		_ = bg.Join(context.Background())
		wt.aborting = false
		_ = wt.c.setReadDeadline(time.Time{})
	}
	wt.bg = nil
}

// free stops the watcher and releases its C memory, before the socket closes or is handed
// over; the watch is unusable afterwards.
func (wt *watch) free() {
	wt.armed = false
	wt.stop()
	if wt.io != nil {
		_ = wt.io.Close()
		wt.io = nil
	}
}
