package server

import (
	"net"
	"testing"
	"time"

	"github.com/geventgo/geventgo/socket"
)

// SetBackOff sets the loops' back-off bounds for one test (before its servers start).
func SetBackOff(t testing.TB, lo, hi time.Duration) {
	oldLo, oldHi := minDelay, maxDelay
	minDelay, maxDelay = lo, hi
	t.Cleanup(func() { minDelay, maxDelay = oldLo, oldHi })
}

// BackOff returns the current back-off of s's read loop, 0 while it reads normally.
func (s *DatagramServer) BackOff() time.Duration { return s.delay }

// BackOff returns the current back-off of s's accept loop, 0 while it accepts normally.
func (s *StreamServer) BackOff() time.Duration { return s.delay }

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

// HandlerName is the name of the greenlet serving a connection from a.
func HandlerName(a net.Addr) string { return handlerName(a) }
