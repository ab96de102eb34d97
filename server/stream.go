package server

import (
	"context"
	"net"
	"net/netip"

	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// StreamServer accepts connections on a socket.Listener and runs its handler for each in a
// greenlet of its own (gevent.server.StreamServer). The connection is closed when the handler
// returns or is killed. The zero StreamServer has no listener: its methods return an error
// matching scheduler.ErrNilArgument. Hub-affine.
type StreamServer struct {
	base
	ln      *socket.Listener
	handler func(*socket.Conn) error
}

// NewStream serves ln with handler (gevent's StreamServer(listener, handle)). A handler error
// is reported to the hub's error handler, as gevent prints a failed handler greenlet. Shutdown
// and Close close ln. A nil ln or handler is an error matching scheduler.ErrNilArgument, a zero
// socket.Listener one matching socket.ErrBadFD.
func NewStream(ln *socket.Listener, handler func(*socket.Conn) error, opts Options) (*StreamServer, error) {
	return newStream("NewStream", ln, handler, opts)
}

// newStream is NewStream with its errors named op.
func newStream(op string, ln *socket.Listener, handler func(*socket.Conn) error, opts Options) (*StreamServer, error) {
	if ln == nil || handler == nil {
		return nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if ln.Fd() < 0 {
		return nil, &Error{Op: op, Err: errZeroSocket}
	}
	s := &StreamServer{ln: ln, handler: handler}
	if err := s.init(op, &opts, ln.Close); err != nil {
		return nil, err
	}
	return s, nil
}

// Listen listens on network/address with opts.ListenConfig and returns a server for it. The
// listener's back-off at the descriptor limit takes opts.MinDelay and MaxDelay unless
// ListenConfig sets AcceptMinDelay or AcceptMaxDelay.
func Listen(network, address string, handler func(*socket.Conn) error, opts Options) (*StreamServer, error) {
	if handler == nil {
		return nil, &Error{Op: "Listen", Err: scheduler.ErrNilArgument}
	}
	lc := opts.ListenConfig
	if lc.AcceptMinDelay == 0 && lc.AcceptMaxDelay == 0 {
		// Options that are wrong leave them so: newStream reports them.
		if _, minDelay, maxDelay, err := opts.pacing("Listen"); err == nil {
			lc.AcceptMinDelay, lc.AcceptMaxDelay = minDelay, maxDelay
		}
	}
	ln, err := lc.Listen(context.Background(), network, address)
	if err != nil {
		return nil, err
	}
	s, err := newStream("Listen", ln, handler, opts)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return s, nil
}

// made reports whether a constructor made s.
func (s *StreamServer) made() bool { return s != nil && s.ln != nil }

// ok returns op's error for a server that no constructor made.
func (s *StreamServer) ok(op string) error {
	if !s.made() {
		return &Error{Op: op, Err: errNoSocket}
	}
	return nil
}

// Addr returns the listening address (nil for the zero StreamServer).
func (s *StreamServer) Addr() net.Addr {
	if !s.made() {
		return nil
	}
	return s.ln.Addr()
}

// Listener returns the server's listener (nil for the zero StreamServer).
func (s *StreamServer) Listener() *socket.Listener {
	if s == nil {
		return nil
	}
	return s.ln
}

// Started reports whether the server was started and has not stopped (gevent's started). Any
// goroutine may ask.
func (s *StreamServer) Started() bool { return s.made() && s.started() }

// Closed reports whether the server stopped and closed its socket (gevent's closed): after
// Shutdown, Close, or a loop that ended on an error. Any goroutine may ask.
func (s *StreamServer) Closed() bool { return s.made() && s.closed() }

// Len returns how many handlers are running; with Options.Pool, how many members the pool has
// (the server's handlers and any others).
func (s *StreamServer) Len() int {
	if !s.made() {
		return 0
	}
	return s.running()
}

// Full reports whether the running handlers fill the server's limit (gevent's full): with
// Options.Pool or MaxConcurrency, whether no slot is free, so that the loop waits before it
// takes the next connection; a server without a limit is never full.
func (s *StreamServer) Full() bool { return s.made() && s.full() }

// Start spawns the accept loop and returns at once (gevent's start). It returns ErrStarted on
// a started server and ErrStopped on a stopped one.
func (s *StreamServer) Start() error {
	const op = "StreamServer.Start"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.startAs(op)
}

// startAs is Start for op (Start, or Serve starting the server).
func (s *StreamServer) startAs(op string) error {
	return s.start(op, "StreamServer.accept "+addrName(s.ln.Addr()), s.acceptLoop)
}

// Serve starts the server unless it was started, and blocks the calling greenlet until the server
// is stopped (Shutdown or Close from another greenlet) and its handlers are done. It returns nil
// then, the accept error that stopped the server (one that is not backed off: see the package doc),
// or ErrStopped on a stopped server. A listener closed behind the server's back stops it as
// Shutdown would, with no deadline and no error: it accepts nothing more and Serve returns nil once
// the running handlers are done. If the calling greenlet is killed meanwhile (gsignal.Main on a
// signal), Serve stops the server, giving the handlers Options.StopTimeout to finish before it kills
// them (another kill cuts that short), and returns the kill's error. Called from a handler it would
// wait for itself until that handler is killed.
func (s *StreamServer) Serve() error {
	const op = "StreamServer.Serve"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.serve(op, s.startAs)
}

// Shutdown stops the server gracefully (gevent's stop(timeout), with ctx for the timeout): it
// closes the listener, waits until the handlers are done or ctx ends, then kills those still
// running so their defers run and their connections close, and waits up to a second for them to
// die. It returns nil when the handlers finished on their own (or none ran: a ctx that had ended
// already just closes an idle server), else an *Error naming it that wraps scheduler.ContextError's
// error (context.DeadlineExceeded and scheduler.ErrTimeout for a deadline), or the error thrown
// into the caller meanwhile, even a Kill with context.Canceled while ctx lives (the handlers are
// then killed and not waited for). Shutdown may be called again, and before Start; called from a
// handler it would wait for itself until ctx ends.
func (s *StreamServer) Shutdown(ctx context.Context) error {
	const op = "StreamServer.Shutdown"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.shutdown(ctx, op)
}

// Close stops the server at once: it closes the listener and kills the running handlers (their
// defers run and their connections close when they die), without waiting for them; Serve returns
// once they are dead (a handler that swallows the kill keeps it waiting until the handler
// returns). It does not block, and may be called again; called from a handler it kills that
// handler too, at its next blocking call.
func (s *StreamServer) Close() error {
	const op = "StreamServer.Close"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.close(op)
}

// acceptConn is socket.Listener.AcceptConn; a test makes it fail.
var acceptConn = (*socket.Listener).AcceptConn

// acceptLoop is the loop greenlet: ctx ends when the server stops.
func (s *StreamServer) acceptLoop(ctx context.Context) error {
	h := scheduler.CurrentHub()
	for {
		c, err := acceptConn(s.ln)
		if err != nil {
			if !retryable(err) {
				return s.loopEnd(err)
			}
			if err := s.backOff(ctx, "StreamServer.accept", err); err != nil {
				return s.loopEnd(err)
			}
			continue
		}
		s.delay = 0
		gr, err := pool.Spawn(ctx, s.spawn, func() (struct{}, error) { return struct{}{}, s.handler(c) })
		if err != nil {
			_ = c.Close()
			return s.loopEnd(err)
		}
		gr.SetName(handlerName(c.RemoteAddr()))
		// A link, not a defer in the handler: a handler killed before it started never runs
		// its body, and its connection must close too.
		gr.Rawlink(func(scheduler.Linkable) { _ = c.Close() })
		if s.stopped {
			// The slot's wake-up came before ctx's: the connection is dropped all the same.
			_ = gr.KillAsync(nil)
			return nil
		}
		if err := s.pace.took(ctx, h); err != nil {
			return s.loopEnd(err)
		}
	}
}

// handlerPrefix begins the name of a connection's handler greenlet.
const handlerPrefix = "server handler "

// handlerName names the greenlet serving a connection from a, "server handler <a>" (as ghttp's
// "ghttp conn <a>"), for the hub's reports: a handler's failure, the blocking detector,
// LoopExit. It costs one allocation, a TCP address's text being built on the stack (its
// String takes three more).
func handlerName(a net.Addr) string {
	switch a := a.(type) {
	case nil:
		return handlerPrefix + "(unknown address)"
	case *net.TCPAddr:
		if a == nil {
			break
		}
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok || a.Zone != "" {
			break
		}
		var buf [len(handlerPrefix) + len("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")]byte
		b := append(buf[:0], handlerPrefix...)
		return string(netip.AddrPortFrom(ip.Unmap(), uint16(a.Port)).AppendTo(b))
	}
	return handlerPrefix + a.String()
}
