package server

import (
	"context"
	"net"

	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// MaxDatagram is the largest UDP payload, the most a DatagramServer on UDP hands a handler. On a
// unix datagram socket there is no such limit: each datagram is read whole at its own length
// (socket.PacketConn.ReadDatagram), so none is cut, however long the sender made it.
const MaxDatagram = 65535

// DatagramServer reads datagrams from a socket.PacketConn and runs its handler for each in a
// greenlet of its own (gevent.server.DatagramServer); each datagram reaches its handler whole
// (gevent reads at most 8192 bytes: see MaxDatagram). The zero DatagramServer has no socket:
// its methods return an error matching scheduler.ErrNilArgument. Hub-affine.
type DatagramServer struct {
	base
	pc      *socket.PacketConn
	handler func(s *DatagramServer, data []byte, from net.Addr) error
}

// NewDatagram serves pc with handler; data is the datagram (the handler owns it) and from its
// sender. Shutdown and Close close pc. A nil pc or handler is an error matching
// scheduler.ErrNilArgument, a zero socket.PacketConn one matching socket.ErrBadFD.
func NewDatagram(pc *socket.PacketConn, handler func(s *DatagramServer, data []byte, from net.Addr) error, opts Options) (*DatagramServer, error) {
	return newDatagram("NewDatagram", pc, handler, opts)
}

// newDatagram is NewDatagram with its errors named op.
func newDatagram(op string, pc *socket.PacketConn, handler func(s *DatagramServer, data []byte, from net.Addr) error, opts Options) (*DatagramServer, error) {
	if pc == nil || handler == nil {
		return nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if pc.Fd() < 0 {
		return nil, &Error{Op: op, Err: errZeroSocket}
	}
	s := &DatagramServer{pc: pc, handler: handler}
	if err := s.init(op, &opts, pc.Close); err != nil {
		return nil, err
	}
	return s, nil
}

// ListenPacket binds network/address with opts.ListenConfig and returns a server for it.
func ListenPacket(network, address string, handler func(s *DatagramServer, data []byte, from net.Addr) error, opts Options) (*DatagramServer, error) {
	if handler == nil {
		return nil, &Error{Op: "ListenPacket", Err: scheduler.ErrNilArgument}
	}
	pc, err := opts.ListenConfig.ListenPacket(context.Background(), network, address)
	if err != nil {
		return nil, err
	}
	s, err := newDatagram("ListenPacket", pc, handler, opts)
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	return s, nil
}

// made reports whether a constructor made s.
func (s *DatagramServer) made() bool { return s != nil && s.pc != nil }

// ok returns op's error for a server that no constructor made.
func (s *DatagramServer) ok(op string) error {
	if !s.made() {
		return &Error{Op: op, Err: errNoSocket}
	}
	return nil
}

// Addr returns the bound address (nil for the zero DatagramServer).
func (s *DatagramServer) Addr() net.Addr {
	if !s.made() {
		return nil
	}
	return s.pc.LocalAddr()
}

// Started reports whether the server was started and has not stopped (gevent's started). Any
// goroutine may ask.
func (s *DatagramServer) Started() bool { return s.made() && s.started() }

// Closed reports whether the server stopped and closed its socket (gevent's closed): after
// Shutdown, Close, or a loop that ended on an error. Any goroutine may ask.
func (s *DatagramServer) Closed() bool { return s.made() && s.closed() }

// Len returns how many handlers are running; with Options.Pool, how many members the pool has
// (the server's handlers and any others).
func (s *DatagramServer) Len() int {
	if !s.made() {
		return 0
	}
	return s.running()
}

// Full reports whether the running handlers fill the server's limit (gevent's full): with
// Options.Pool or MaxConcurrency, whether no slot is free, so that the loop waits before it
// reads the next datagram; a server without a limit is never full.
func (s *DatagramServer) Full() bool { return s.made() && s.full() }

// SendTo sends data to addr from the server's socket (gevent's sendto); a nil addr is an error
// matching scheduler.ErrNilArgument.
func (s *DatagramServer) SendTo(data []byte, addr net.Addr) (int, error) {
	const op = "DatagramServer.SendTo"
	if err := s.ok(op); err != nil {
		return 0, err
	}
	if addr == nil {
		return 0, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	return s.pc.WriteTo(data, addr)
}

// Start spawns the read loop and returns at once. It returns ErrStarted on a started server
// and ErrStopped on a stopped one.
func (s *DatagramServer) Start() error {
	const op = "DatagramServer.Start"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.startAs(op)
}

// startAs is Start for op (Start, or Serve starting the server).
func (s *DatagramServer) startAs(op string) error {
	return s.start(op, "DatagramServer.read "+addrName(s.pc.LocalAddr()), s.readLoop)
}

// Serve starts the server unless it was started and blocks the calling greenlet until it is
// stopped and its handlers are done; see StreamServer.Serve.
func (s *DatagramServer) Serve() error {
	const op = "DatagramServer.Serve"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.serve(op, s.startAs)
}

// Shutdown closes the socket, waits until the handlers are done or ctx ends, then kills the
// rest and waits up to a second for them to die; see StreamServer.Shutdown.
func (s *DatagramServer) Shutdown(ctx context.Context) error {
	const op = "DatagramServer.Shutdown"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.shutdown(ctx, op)
}

// Close closes the socket and kills the running handlers without waiting for them; see
// StreamServer.Close.
func (s *DatagramServer) Close() error {
	const op = "DatagramServer.Close"
	if err := s.ok(op); err != nil {
		return err
	}
	return s.close(op)
}

// readLoop is the loop greenlet: ctx ends when the server stops.
func (s *DatagramServer) readLoop(ctx context.Context) error {
	h := scheduler.CurrentHub()
	for {
		data, from, err := readDatagram(s.pc)
		if err != nil {
			if !retryable(err) {
				return s.loopEnd(err)
			}
			if err := s.backOff(ctx, "DatagramServer.read", err); err != nil {
				return s.loopEnd(err)
			}
			continue
		}
		s.delay = 0
		gr, err := pool.Spawn(ctx, s.spawn, func() (struct{}, error) { return struct{}{}, s.handler(s, data, from) })
		if err != nil {
			return s.loopEnd(err)
		}
		if s.stopped {
			// The slot's wake-up came before ctx's: the datagram is dropped all the same.
			_ = gr.KillAsync(nil)
			return nil
		}
		if err := s.pace.took(ctx, h); err != nil {
			return s.loopEnd(err)
		}
	}
}

// readDatagram is socket.PacketConn.ReadDatagram; a test counts its reads.
var readDatagram = (*socket.PacketConn).ReadDatagram
