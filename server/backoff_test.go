package server_test

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// collectErrors sets the hub's error handler to append what it gets (the blocking detector's
// reports left out) to *reported.
func collectErrors(reported *[]error) {
	scheduler.CurrentHub().SetErrorHandler(func(err error) {
		if !errors.Is(err, scheduler.ErrBlockingHub) {
			*reported = append(*reported, err)
		}
	})
}

// closedUDPPort returns an address of the loopback where no UDP socket listens: one that was
// bound and closed.
func closedUDPPort(t *testing.T) *net.UDPAddr {
	pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := pc.LocalAddr().(*net.UDPAddr)
	require.NoError(t, pc.Close())
	return addr
}

// connectUDP connects the UDP socket fd to addr, so that it receives only from addr and an ICMP
// port-unreachable for what it sent there fails its next recvfrom with ECONNREFUSED.
func connectUDP(t *testing.T, fd int, addr net.Addr) {
	ua := addr.(*net.UDPAddr)
	sa := &syscall.SockaddrInet4{Port: ua.Port}
	copy(sa.Addr[:], ua.IP.To4())
	require.NoError(t, syscall.Connect(fd, sa))
}

// refused is a DatagramServer whose socket is connected to a closed port.
type refused struct {
	s       *server.DatagramServer
	pc      *socket.PacketConn
	closed  *net.UDPAddr
	serving *scheduler.Greenlet[struct{}] // the greenlet in s.Serve
}

// newRefused serves a socket connected to a closed port with handler and opts, and pings that
// port.
func newRefused(t *testing.T, handler func(*server.DatagramServer, []byte, net.Addr) error, opts server.Options) *refused {
	pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	s, err := server.NewDatagram(pc, handler, opts)
	require.NoError(t, err)
	r := &refused{s: s, pc: pc, closed: closedUDPPort(t), serving: scheduler.Go(s.Serve)}
	connectUDP(t, pc.Fd(), r.closed)
	r.ping(t)
	return r
}

// ping sends a datagram to the closed port: the ICMP port-unreachable that answers it fails the
// read loop's next recvfrom with ECONNREFUSED.
func (r *refused) ping(t *testing.T) {
	_, err := r.s.SendTo([]byte("ping"), r.closed)
	require.NoError(t, err)
}

// until waits until cond holds, and fails the test if the server stopped first.
func (r *refused) until(t *testing.T, cond func() bool) {
	t.Helper()
	require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return cond() || r.serving.Ready() }))
	require.False(t, r.serving.Ready(), "the server stopped: %v", r.serving.Err())
}

// Regression: a read error that leaves the socket usable stopped a DatagramServer for good, so
// that a peer answering with an ICMP port-unreachable (ECONNREFUSED from recvfrom on a
// connected UDP socket) stopped the service. Now the error goes to the hub's error handler
// once, the loop backs off and reads the next datagram, as gevent's BaseServer does.
func TestDatagramServerGoesOnAfterConnRefused(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var reported []error
		collectErrors(&reported)
		var got []string
		r := newRefused(t, func(_ *server.DatagramServer, data []byte, _ net.Addr) error {
			got = append(got, string(data))
			return nil
		}, server.Options{})
		r.until(t, func() bool { return len(reported) > 0 })
		require.Len(t, reported, 1)
		assert.ErrorIs(t, reported[0], syscall.ECONNREFUSED)
		var se *server.Error
		require.ErrorAs(t, reported[0], &se)
		assert.Equal(t, "DatagramServer.read", se.Op)
		// The socket now takes datagrams from a live client only: it gets through.
		c := dial(t, r.s.Addr())
		defer c.Close()
		connectUDP(t, r.pc.Fd(), c.LocalAddr())
		_, err := c.Write([]byte("next"))
		require.NoError(t, err)
		r.until(t, func() bool { return len(got) > 0 })
		assert.Equal(t, []string{"next"}, got)
		require.NoError(t, r.s.Shutdown(testctx.Within(t, 5*time.Second)))
		require.NoError(t, r.serving.Join(testctx.Within(t, 5*time.Second)))
		assert.NoError(t, r.serving.Err())
		assert.Len(t, reported, 1)
		return nil
	}))
}

// Each error of a streak is reported (gevent's _do_read hands each to handle_error) and the delay
// doubles with each from Options.MinDelay; a datagram read ends the streak, and the next error
// starts one again from the least delay.
func TestDatagramBackOffStreak(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		var reported []error
		collectErrors(&reported)
		got := 0
		r := newRefused(t, func(*server.DatagramServer, []byte, net.Addr) error {
			got++
			return nil
		}, server.Options{MinDelay: ms, MaxDelay: time.Hour})
		r.until(t, func() bool { return r.s.BackOff() == ms })
		assert.Len(t, reported, 1)
		r.ping(t)
		r.until(t, func() bool { return r.s.BackOff() == 2*ms })
		r.ping(t)
		r.until(t, func() bool { return r.s.BackOff() == 4*ms })
		assert.Len(t, reported, 3, "one report per error")
		c := dial(t, r.s.Addr())
		defer c.Close()
		connectUDP(t, r.pc.Fd(), c.LocalAddr())
		_, err := c.Write([]byte("x"))
		require.NoError(t, err)
		r.until(t, func() bool { return got == 1 })
		assert.Zero(t, r.s.BackOff(), "a read ends the streak")
		connectUDP(t, r.pc.Fd(), r.closed)
		r.ping(t)
		r.until(t, func() bool { return len(reported) == 4 })
		assert.Equal(t, ms, r.s.BackOff())
		return r.s.Close()
	}))
}

// Shutdown (with no deadline) and Close end the read loop's back-off at once: with a back-off
// of an hour, the server stops within the test's deadline.
func TestStopEndsDatagramBackOff(t *testing.T) {
	for _, graceful := range []bool{true, false} {
		require.NoError(t, scheduler.Main(func() error {
			var reported []error
			collectErrors(&reported)
			r := newRefused(t, func(*server.DatagramServer, []byte, net.Addr) error { return nil },
				server.Options{MinDelay: time.Hour, MaxDelay: time.Hour})
			r.until(t, func() bool { return r.s.BackOff() == time.Hour })
			stop := r.s.Close
			if graceful {
				stop = func() error { return r.s.Shutdown(bg) }
			}
			stopping := scheduler.Go(stop)
			defer r.s.Close() // ends a Shutdown that waits for the loop, if the test fails
			require.NoError(t, stopping.Join(testctx.Within(t, 5*time.Second)), "the back-off was not cut short")
			assert.NoError(t, stopping.Err())
			require.NoError(t, r.serving.Join(testctx.Within(t, 5*time.Second)))
			assert.NoError(t, r.serving.Err())
			assert.Len(t, reported, 1)
			return nil
		}))
	}
}

// acceptErr is the error socket.Listener.AcceptConn returns when accept4 fails with errno.
func acceptErr(errno syscall.Errno) error {
	return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
}

// Regression: an accept error that leaves the listener usable stopped a StreamServer for good:
// EPERM, which accept4 returns when a firewall rule refuses the connection and which package
// socket does not retry (it retries only running out of descriptors or memory and a connection
// that failed before it was accepted). Now each error is reported, the loop backs off, and the
// next client is served.
func TestStreamServerGoesOnAfterAcceptEPERM(t *testing.T) {
	server.FailAccepts(t, 3, acceptErr(syscall.EPERM))
	require.NoError(t, scheduler.Main(func() error {
		var reported []error
		collectErrors(&reported)
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{MinDelay: ms, MaxDelay: time.Hour})
		require.NoError(t, err)
		serving := scheduler.Go(s.Serve)
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool {
			return s.BackOff() == 4*ms || serving.Ready()
		}))
		require.False(t, serving.Ready(), "the server stopped: %v", serving.Err())
		require.Len(t, reported, 3, "one report per error")
		for _, err := range reported {
			assert.ErrorIs(t, err, syscall.EPERM)
		}
		var se *server.Error
		require.ErrorAs(t, reported[0], &se)
		assert.Equal(t, "StreamServer.accept", se.Op)
		b, err := echoByte(s.Addr(), 'x')
		require.NoError(t, err)
		assert.Equal(t, byte('x'), b)
		assert.Zero(t, s.BackOff(), "an accepted connection ends the streak")
		require.NoError(t, s.Shutdown(testctx.Within(t, 5*time.Second)))
		require.NoError(t, serving.Join(testctx.Within(t, 5*time.Second)))
		assert.NoError(t, serving.Err())
		return nil
	}))
}

// An accept error that leaves the listener unusable (gevent's fatal_errors: EBADF, EINVAL,
// ENOTSOCK) stops the server at once, without a back-off: Serve returns it, and the hub's
// error handler gets only the accept loop's failure.
func TestStreamServerStopsOnFatalAcceptError(t *testing.T) {
	server.FailAccepts(t, 1, acceptErr(syscall.EINVAL))
	require.NoError(t, scheduler.Main(func() error {
		var reported []error
		collectErrors(&reported)
		s, err := server.Listen("tcp", "127.0.0.1:0", echo, server.Options{})
		require.NoError(t, err)
		err = s.Serve()
		assert.ErrorIs(t, err, syscall.EINVAL)
		assert.ErrorIs(t, s.Start(), server.ErrStopped)
		require.Len(t, reported, 1)
		var ge *scheduler.GreenletError
		require.ErrorAs(t, reported[0], &ge)
		assert.ErrorIs(t, ge.Err, syscall.EINVAL)
		var se *server.Error
		assert.False(t, errors.As(reported[0], &se), "no back-off report")
		return nil
	}))
}
