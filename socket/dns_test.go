package socket_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// silentDNS points net.DefaultResolver (pure Go) at a local UDP server that reads every query
// and never answers, and returns how many queries came. Process-wide: for a child process only.
func silentDNS(t *testing.T) *atomic.Int64 {
	t.Helper()
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	queries := new(atomic.Int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for {
			if _, _, err := hole.ReadFrom(buf); err != nil {
				return
			}
			queries.Add(1)
		}
	}()
	// A lookup that two dials shared is not cancelled when the later one gives up (net
	// cancels only an unshared lookup): it would read until net's own timeout (seconds) and
	// outlive the test, which goleak reports. So the end of the test ends every read, and the
	// lookups' retries are refused.
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
	)
	t.Cleanup(func() {
		mu.Lock()
		closed = true
		for _, c := range conns {
			_ = c.SetDeadline(time.Now())
		}
		mu.Unlock()
		_ = hole.Close()
		<-done
	})
	net.DefaultResolver.PreferGo = true
	net.DefaultResolver.Dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return nil, errors.New("silent DNS server: the test is over")
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "udp", hole.LocalAddr().String())
		if err != nil {
			return nil, err
		}
		conns = append(conns, c)
		// net's exchange reads its answer until its own timeout (seconds), not until the
		// lookup is cancelled: end the read with ctx, so a lookup a dial gave up on ends too.
		stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
		return stoppingConn{c, stop}, nil
	}
	return queries
}

// stoppingConn stops its context watch when closed.
type stoppingConn struct {
	net.Conn
	stop func() bool
}

func (c stoppingConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// assertBoundedDial checks a dial that gave up on its 100 ms limit.
func assertBoundedDial(t *testing.T, what string, took time.Duration, err error) {
	t.Helper()
	t.Logf("measured: %s gave up after %v", what, took)
	assert.ErrorIs(t, err, context.DeadlineExceeded, what)
	assert.ErrorIs(t, err, scheduler.ErrTimeout, what)
	assert.GreaterOrEqual(t, took, 90*ms, what)
	assert.Less(t, took, time.Second, what)
}

// TestDialBoundsSlowSystemResolverTimingSensitive: with the default LookupHost (no hook), a
// dial whose name lookup gets no answer gives up on its limit, name lookup included: from a
// greenlet (the resolver package on the thread pool) with DialTimeout and with a context
// deadline, a service name for the port too, and from a plain goroutine (a shared dial,
// net.DefaultResolver itself). The DNS server is a local one that never answers, set in
// net.DefaultResolver, so the test runs in a child process (see inChildProcess).
// Timing-sensitive: each dial must end within a second of its 100 ms limit.
func TestDialBoundsSlowSystemResolverTimingSensitive(t *testing.T) {
	if !testproc.InChild(t) {
		return
	}
	queries := silentDNS(t)
	const host = "geventgo-slow-dns.test"
	run(t, func() error {
		start := time.Now()
		_, err := socket.DialTimeout("tcp", host+":80", 100*ms)
		assertBoundedDial(t, "DialTimeout in a greenlet", time.Since(start), err)

		var d socket.Dialer
		start = time.Now()
		_, err = d.DialContext(testctx.Within(t, 100*ms), "tcp", host+":http")
		assertBoundedDial(t, "DialContext in a greenlet", time.Since(start), err)
		return nil
	})
	h, _ := hubOnGoroutine(t)
	d := socket.Dialer{Hub: h}
	start := time.Now()
	_, err := d.DialContext(testctx.Within(t, 100*ms), "tcp", host+":80")
	assertBoundedDial(t, "a shared dial from a goroutine", time.Since(start), err)
	assert.Positive(t, queries.Load(), "the lookups asked the DNS server")
}
