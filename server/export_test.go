package server

import (
	"net"
	"testing"
	"time"

	"github.com/geventgo/geventgo/socket"
)

// BackOff returns the current back-off of s's read loop, 0 while it reads normally.
func (s *DatagramServer) BackOff() time.Duration { return s.delay }

// BackOff returns the current back-off of s's accept loop, 0 while it accepts normally.
func (s *StreamServer) BackOff() time.Duration { return s.delay }

// Pacing returns the MaxAccept, MinDelay and MaxDelay that s's loop uses.
func (s *StreamServer) Pacing() (int, time.Duration, time.Duration) {
	return s.pace.max, s.minDelay, s.maxDelay
}

// FailAccepts makes the next n accepts of every StreamServer fail with err without reaching
// the listener, for one test.
func FailAccepts(t testing.TB, n int, err error) {
	old := acceptConn
	acceptConn = func(ln *socket.Listener) (*socket.Conn, error) {
		if n > 0 {
			n--
			return nil, err
		}
		return old(ln)
	}
	t.Cleanup(func() { acceptConn = old })
}

// RecordBackOffs makes every StreamServer append s's back-off to *slept before each accept,
// for one test.
func RecordBackOffs(t testing.TB, s *StreamServer, slept *[]time.Duration) {
	old := acceptConn
	acceptConn = func(ln *socket.Listener) (*socket.Conn, error) {
		*slept = append(*slept, s.delay)
		return old(ln)
	}
	t.Cleanup(func() { acceptConn = old })
}

// CountAccepts makes every StreamServer count the connections it accepts in *n, for one test.
func CountAccepts(t testing.TB, n *int) {
	old := acceptConn
	acceptConn = func(ln *socket.Listener) (*socket.Conn, error) {
		c, err := old(ln)
		if err == nil {
			*n++
		}
		return c, err
	}
	t.Cleanup(func() { acceptConn = old })
}

// CountReads makes every DatagramServer count the datagrams it reads in *n, for one test.
func CountReads(t testing.TB, n *int) {
	old := readDatagram
	readDatagram = func(pc *socket.PacketConn) ([]byte, net.Addr, error) {
		data, from, err := old(pc)
		if err == nil {
			*n++
		}
		return data, from, err
	}
	t.Cleanup(func() { readDatagram = old })
}

// HandlerName is the name of the greenlet serving a connection from a.
func HandlerName(a net.Addr) string { return handlerName(a) }
