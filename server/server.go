// Package server provides gevent's StreamServer (a greenlet per accepted connection) and
// DatagramServer (a greenlet per datagram) on package socket.
package server

import (
	"errors"
	"net"
	"time"

	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// ErrStarted is returned by Start on a server that was already started.
var ErrStarted = errors.New("server already started")

// ErrStopped is returned by Start on a server that was stopped; servers are not restartable.
var ErrStopped = errors.New("server stopped")

// DefaultStopTimeout is how long Stop lets handlers finish when given a negative timeout
// (gevent's stop_timeout).
const DefaultStopTimeout = time.Second

// Options tune a server; the zero value serves without a limit.
type Options struct {
	// Pool, if set, runs the handlers: while it is full the server stops accepting (or reading
	// datagrams) until a handler finishes, as gevent's servers do with a Pool.
	Pool *pool.Pool
	// MaxConcurrency, if positive and Pool is nil, limits the handlers running at once the same
	// way through a pool of that size.
	MaxConcurrency int
	// ListenConfig is used by Listen (ReusePort for one hub per core, Backlog).
	ListenConfig socket.ListenConfig
}

// spawner picks where handlers run: the given pool, a pool of MaxConcurrency, or a Group that
// only tracks them for Stop.
func (o Options) spawner() (pool.Spawner, *pool.Group, error) {
	if o.Pool != nil {
		return o.Pool, &o.Pool.Group, nil
	}
	if o.MaxConcurrency > 0 {
		p, err := pool.NewPool(o.MaxConcurrency)
		if err != nil {
			return nil, nil, err
		}
		return p, &p.Group, nil
	}
	g := pool.NewGroup()
	return g, g, nil
}

// StreamServer accepts connections on a socket.Listener and runs Handler for each in a greenlet
// of its own (gevent.server.StreamServer). The connection is closed when Handler returns.
// Hub-affine: create, start and stop it from greenlets of one hub.
type StreamServer struct {
	ln       *socket.Listener
	handler  func(*socket.Conn) error
	spawn    pool.Spawner
	group    *pool.Group
	acceptor *scheduler.Greenlet[struct{}]
	stopped  bool
}

// NewStreamServer serves ln with handler. A handler error is reported to the hub's error
// handler, as gevent prints a failed handler greenlet.
func NewStreamServer(ln *socket.Listener, handler func(*socket.Conn) error, opts Options) (*StreamServer, error) {
	if ln == nil || handler == nil {
		return nil, &scheduler.Error{Op: "server.NewStreamServer", Err: errors.New("nil listener or handler")}
	}
	sp, g, err := opts.spawner()
	if err != nil {
		return nil, err
	}
	return &StreamServer{ln: ln, handler: handler, spawn: sp, group: g}, nil
}

// Listen listens on network/address with opts.ListenConfig and returns a server for it.
func Listen(network, address string, handler func(*socket.Conn) error, opts Options) (*StreamServer, error) {
	ln, err := opts.ListenConfig.Listen(network, address)
	if err != nil {
		return nil, err
	}
	s, err := NewStreamServer(ln, handler, opts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return s, nil
}

// Addr returns the listening address.
func (s *StreamServer) Addr() net.Addr { return s.ln.Addr() }

// Listener returns the server's listener.
func (s *StreamServer) Listener() *socket.Listener { return s.ln }

// Len returns how many handlers are running.
func (s *StreamServer) Len() int { return s.group.Len() }

// Start spawns the accept loop and returns at once.
func (s *StreamServer) Start() error {
	switch {
	case s.stopped:
		return ErrStopped
	case s.acceptor != nil:
		return ErrStarted
	}
	s.acceptor = scheduler.Go(s.acceptLoop)
	s.acceptor.SetName("StreamServer.accept " + s.ln.Addr().String())
	return nil
}

func (s *StreamServer) acceptLoop() error {
	for {
		c, err := s.ln.AcceptConn()
		if err != nil {
			if s.stopped || errors.Is(err, net.ErrClosed) || errors.Is(err, scheduler.ErrGreenletExit) {
				return nil
			}
			return err
		}
		if _, err := pool.Spawn(s.spawn, func() (struct{}, error) {
			defer c.Close()
			return struct{}{}, s.handler(c)
		}); err != nil {
			// Killed while waiting for a free slot.
			c.Close()
			return nil
		}
	}
}

// ServeForever starts the server and blocks the calling greenlet until it is stopped (from
// another greenlet, or by killing this one) and its handlers are done.
func (s *StreamServer) ServeForever() error {
	if err := s.Start(); err != nil {
		return err
	}
	if err := s.acceptor.Join(scheduler.Forever); err != nil {
		_ = s.Stop(0)
		return err
	}
	if _, err := s.group.Join(scheduler.Forever, false); err != nil {
		return err
	}
	return s.acceptor.Err()
}

// Stop closes the listener, lets running handlers finish for up to timeout (negative:
// DefaultStopTimeout), then kills those still running so their defers run (gevent's
// stop(timeout)). Stop of a stopped server does nothing.
func (s *StreamServer) Stop(timeout time.Duration) error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	if timeout < 0 {
		timeout = DefaultStopTimeout
	}
	_ = s.ln.Close()
	if s.acceptor != nil {
		if err := s.acceptor.Join(scheduler.Forever); err != nil {
			return err
		}
	}
	if done, err := s.group.Join(timeout, false); err != nil || done {
		return err
	}
	return s.group.Kill(nil, true, DefaultStopTimeout)
}

// DatagramServer reads datagrams from a socket.PacketConn and runs Handler for each in a
// greenlet of its own (gevent.server.DatagramServer). Hub-affine.
type DatagramServer struct {
	pc      *socket.PacketConn
	handler func(s *DatagramServer, data []byte, from net.Addr) error
	spawn   pool.Spawner
	group   *pool.Group
	reader  *scheduler.Greenlet[struct{}]
	stopped bool
	bufSize int
}

// MaxDatagram is the read buffer size of a DatagramServer (the largest UDP payload).
const MaxDatagram = 65535

// NewDatagramServer serves pc with handler; data is the datagram (the handler owns it).
func NewDatagramServer(pc *socket.PacketConn, handler func(s *DatagramServer, data []byte, from net.Addr) error, opts Options) (*DatagramServer, error) {
	if pc == nil || handler == nil {
		return nil, &scheduler.Error{Op: "server.NewDatagramServer", Err: errors.New("nil socket or handler")}
	}
	sp, g, err := opts.spawner()
	if err != nil {
		return nil, err
	}
	return &DatagramServer{pc: pc, handler: handler, spawn: sp, group: g, bufSize: MaxDatagram}, nil
}

// ListenPacket binds network/address with opts.ListenConfig and returns a server for it.
func ListenPacket(network, address string, handler func(s *DatagramServer, data []byte, from net.Addr) error, opts Options) (*DatagramServer, error) {
	pc, err := opts.ListenConfig.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	s, err := NewDatagramServer(pc, handler, opts)
	if err != nil {
		pc.Close()
		return nil, err
	}
	return s, nil
}

// Addr returns the bound address.
func (s *DatagramServer) Addr() net.Addr { return s.pc.LocalAddr() }

// SendTo sends data to addr from the server's socket (gevent's sendto).
func (s *DatagramServer) SendTo(data []byte, addr net.Addr) (int, error) {
	return s.pc.WriteTo(data, addr)
}

// Start spawns the read loop and returns at once.
func (s *DatagramServer) Start() error {
	switch {
	case s.stopped:
		return ErrStopped
	case s.reader != nil:
		return ErrStarted
	}
	s.reader = scheduler.Go(s.readLoop)
	s.reader.SetName("DatagramServer.read " + s.pc.LocalAddr().String())
	return nil
}

func (s *DatagramServer) readLoop() error {
	buf := make([]byte, s.bufSize)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			if s.stopped || errors.Is(err, net.ErrClosed) || errors.Is(err, scheduler.ErrGreenletExit) {
				return nil
			}
			return err
		}
		data := append([]byte(nil), buf[:n]...)
		if _, err := pool.Spawn(s.spawn, func() (struct{}, error) {
			return struct{}{}, s.handler(s, data, from)
		}); err != nil {
			return nil
		}
	}
}

// ServeForever starts the server and blocks the calling greenlet until it is stopped.
func (s *DatagramServer) ServeForever() error {
	if err := s.Start(); err != nil {
		return err
	}
	if err := s.reader.Join(scheduler.Forever); err != nil {
		_ = s.Stop(0)
		return err
	}
	if _, err := s.group.Join(scheduler.Forever, false); err != nil {
		return err
	}
	return s.reader.Err()
}

// Stop closes the socket, lets handlers finish for up to timeout (negative:
// DefaultStopTimeout) and kills the rest.
func (s *DatagramServer) Stop(timeout time.Duration) error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	if timeout < 0 {
		timeout = DefaultStopTimeout
	}
	_ = s.pc.Close()
	if s.reader != nil {
		if err := s.reader.Join(scheduler.Forever); err != nil {
			return err
		}
	}
	if done, err := s.group.Join(timeout, false); err != nil || done {
		return err
	}
	return s.group.Kill(nil, true, DefaultStopTimeout)
}
