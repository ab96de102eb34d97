package faults

import (
	"context"
	"net"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// The live receivers of the walk: values made by their types' constructors,
// in the walk's hub, for the types whose zero value refuses every call
// before it looks at an argument. Each returns what releases it.

func liveLoop() (any, func(), error) {
	l, err := cev.NewLoop()
	if err != nil {
		return nil, nil, err
	}
	return l, func() { _ = l.Destroy() }, nil
}

func liveHub() (any, func(), error) { return scheduler.CurrentHub(), func() {}, nil }

// liveCallback is queued on the walk's hub and stopped afterwards.
func liveCallback() (any, func(), error) {
	cb, err := scheduler.CurrentHub().RunCallback(func() {})
	return cb, cb.Stop, err
}

// liveGreenlet is spawned, not yet run: the hub runs it at its next turn.
func liveGreenlet() (any, func(), error) {
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	return g, func() {}, g.Err()
}

// liveRawGreenlet is an unstarted raw greenlet, child of the hub's main
// greenlet.
func liveRawGreenlet() (any, func(), error) {
	return greenlet.New(func(v any) (any, error) { return v, nil }), func() {}, nil
}

func liveEvent() (any, func(), error) {
	e := &event.Event{}
	e.Set()
	return e, func() {}, nil
}

func liveAsyncResult() (any, func(), error) {
	a := &event.AsyncResult[int]{}
	a.Set(1)
	return a, func() {}, nil
}

// livePipe is the read end of a cooperative pipe.
func livePipe() (any, func(), error) {
	r, w, err := fileobject.Pipe()
	if err != nil {
		return nil, nil, err
	}
	return r, func() { _ = r.Close(); _ = w.Close() }, nil
}

// liveConn is one end of a socketpair.
func liveConn() (any, func(), error) {
	a, b, err := socket.Socketpair()
	if err != nil {
		return nil, nil, err
	}
	return a, func() { _ = a.Close(); _ = b.Close() }, nil
}

func liveStreamServer() (any, func(), error) {
	s, err := server.Listen("tcp", "127.0.0.1:0", func(*socket.Conn) error { return nil }, server.Options{})
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = s.Close() }, nil
}

func liveDatagramServer() (any, func(), error) {
	s, err := server.ListenPacket("udp", "127.0.0.1:0", func(*server.DatagramServer, []byte, net.Addr) error { return nil }, server.Options{})
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = s.Close() }, nil
}

// failedConn is what Shared returns for a socket whose hub is destroyed:
// made on a goroutine and hub of its own.
func failedConn() any {
	out := make(chan net.Conn, 1)
	go func() {
		h, err := scheduler.NewHub()
		if err != nil {
			out <- nil
			return
		}
		a, b, err := socket.Socketpair()
		if err != nil {
			_ = h.Destroy()
			out <- nil
			return
		}
		_ = h.Destroy()
		shared := a.Shared()
		_ = a.Close()
		_ = b.Close()
		out <- shared
	}()
	return <-out
}

// timeoutCanceledError is scheduler.ContextError's error for a context a
// timeout cancelled (its cause matches ErrTimeout), dug out to that error.
func timeoutCanceledError() any {
	ctx, cancel := context.WithCancelCause(bg)
	cancel(scheduler.ErrTimeout)
	return causeNamed(scheduler.ContextError(ctx), "timeoutCanceled")
}

// expiredContextError is scheduler.ContextError's error for a context past
// its deadline, dug out to the deadline error itself.
func expiredContextError() any {
	ctx, cancel := context.WithDeadline(bg, time.Unix(1, 0))
	defer cancel()
	return causeNamed(scheduler.ContextError(ctx), "deadlineError")
}
