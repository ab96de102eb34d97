package socket

import (
	"net"
	"runtime/debug"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// GoroutineSafe wraps l so that it, and every connection it accepts, can be
// used from any goroutine: a call from a goroutine that is not on l's hub is
// posted to the hub (Hub.Post), runs there in a greenlet of its own, and the
// calling goroutine waits for its outcome; a call on the hub (a greenlet, or
// a hub callback) runs directly. This is how a net/http Server, which accepts
// on one goroutine and serves each connection on a goroutine of its own, can
// serve on a cooperative Listener:
//
//	gl, err := socket.GoroutineSafe(ln) // in a greenlet of ln's hub
//	go srv.Serve(gl)
//
// The hub stays alive (no LoopExit) until the wrapper is closed (connections
// still being served after that do not keep it alive), but its
// goroutine must keep running the loop: a greenlet of the hub must not block
// the goroutine waiting for the server (a channel receive, http.Get,
// Server.Close and Shutdown, which wait for Serve to return), or the posted
// calls never run; run such code through threadpool or
// scheduler.RunBlocking. Each posted call costs a
// cross-thread round trip (tens of microseconds on a loaded 2-core machine),
// so code that can run in greenlets should use l itself. Once the hub is
// destroyed, posted calls fail with scheduler.ErrHubDestroyed.
//
// Call GoroutineSafe from a greenlet of l's hub; elsewhere it fails with an
// error matching scheduler.ErrNotGreenlet.
func GoroutineSafe(l *Listener) (net.Listener, error) {
	h := l.fd.hub
	if !h.CanWait() {
		return nil, &net.OpError{Op: "bridge", Net: l.fd.network, Addr: l.fd.laddr, Err: scheduler.ErrNotGreenlet}
	}
	return &safeListener{l: l, hub: h, release: h.KeepAlive()}, nil
}

// safeListener is GoroutineSafe's net.Listener.
type safeListener struct {
	l       *Listener
	hub     *scheduler.Hub
	release func() // the KeepAlive; called on the hub by Close
}

// onHub runs op directly when the caller is on h (a greenlet, or the hub
// itself, where the socket refuses what would block with ErrNotGreenlet
// while Close and the deadline setters work), and otherwise in a greenlet of
// h, posted, waiting for its outcome or for h's destruction. Waiting on the
// hub's own goroutine for a posted call would wait forever.
func onHub[T any](h *scheduler.Hub, op func() (T, error)) (T, error) {
	if h.OnHub() {
		return op()
	}
	type outcome struct {
		v   T
		err error
	}
	done := make(chan outcome, 1)
	var zero T
	err := h.Post(func() {
		scheduler.Go(func() (err error) {
			sent := false
			defer func() {
				if !sent {
					// A panic (or Goexit) in op: the caller gets it as an
					// error instead of waiting until the hub is destroyed,
					// and the hub reports it.
					pe := &scheduler.PanicError{Value: recover(), Stack: debug.Stack()}
					done <- outcome{err: pe}
					err = pe
				}
			}()
			v, opErr := op()
			sent = true
			done <- outcome{v, opErr}
			return nil
		})
	})
	if err != nil {
		return zero, err
	}
	select {
	case o := <-done:
		return o.v, o.err
	case <-h.Done():
		// Destroy kills the op's greenlet, whose error may already be
		// there; otherwise the posted call never ran.
		select {
		case o := <-done:
			return o.v, o.err
		default:
			return zero, &scheduler.Error{Op: "socket.GoroutineSafe", Err: scheduler.ErrHubDestroyed}
		}
	}
}

// Accept accepts a connection on the hub and wraps it like the listener.
func (s *safeListener) Accept() (net.Conn, error) {
	return onHub(s.hub, func() (net.Conn, error) {
		c, err := s.l.Accept()
		if err != nil {
			return nil, err
		}
		return &safeConn{c: c.(*Conn), hub: s.hub, laddr: c.LocalAddr(), raddr: c.RemoteAddr()}, nil
	})
}

// Close closes the listener and lets the hub's loop end again.
func (s *safeListener) Close() error {
	_, err := onHub(s.hub, func() (struct{}, error) {
		err := s.l.Close()
		s.release()
		return struct{}{}, err
	})
	return err
}

// Addr returns the listening address.
func (s *safeListener) Addr() net.Addr { return s.l.Addr() }

// safeConn is a Conn accepted through GoroutineSafe: each method runs on the
// hub. The addresses are read once, on the hub, when it is accepted.
type safeConn struct {
	c            *Conn
	hub          *scheduler.Hub
	laddr, raddr net.Addr
}

var _ net.Conn = (*safeConn)(nil)

// Read reads on the hub; b is written there while the caller waits.
func (s *safeConn) Read(b []byte) (int, error) {
	return onHub(s.hub, func() (int, error) { return s.c.Read(b) })
}

// Write writes on the hub.
func (s *safeConn) Write(b []byte) (int, error) {
	return onHub(s.hub, func() (int, error) { return s.c.Write(b) })
}

// Close closes the connection, waking any read or write in progress.
func (s *safeConn) Close() error {
	_, err := onHub(s.hub, func() (struct{}, error) { return struct{}{}, s.c.Close() })
	return err
}

// CloseWrite shuts the write side down (net/http uses it to end a
// response before closing).
func (s *safeConn) CloseWrite() error {
	_, err := onHub(s.hub, func() (struct{}, error) { return struct{}{}, s.c.CloseWrite() })
	return err
}

// LocalAddr returns the local address.
func (s *safeConn) LocalAddr() net.Addr { return s.laddr }

// RemoteAddr returns the peer's address.
func (s *safeConn) RemoteAddr() net.Addr { return s.raddr }

// SetDeadline sets both deadlines; it also moves the deadline of a read or
// write in progress (net/http aborts its background read that way).
func (s *safeConn) SetDeadline(t time.Time) error {
	_, err := onHub(s.hub, func() (struct{}, error) { return struct{}{}, s.c.SetDeadline(t) })
	return err
}

// SetReadDeadline sets the read deadline (see SetDeadline).
func (s *safeConn) SetReadDeadline(t time.Time) error {
	_, err := onHub(s.hub, func() (struct{}, error) { return struct{}{}, s.c.SetReadDeadline(t) })
	return err
}

// SetWriteDeadline sets the write deadline (see SetDeadline).
func (s *safeConn) SetWriteDeadline(t time.Time) error {
	_, err := onHub(s.hub, func() (struct{}, error) { return struct{}{}, s.c.SetWriteDeadline(t) })
	return err
}
