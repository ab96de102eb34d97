package ghttp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// A destroyed hub's idle connections are closed by its end; WithoutHubEndWatch stands for the
// window in which its Destroy started but its end has not closed them yet, so that the sweep
// of another hub (RoundTrip's first request there, CloseIdleConnections) closes them.

// idleOnNewHub runs a hub (scheduler.Main) that leaves n idle connections of c and ends.
func idleOnNewHub(t *testing.T, c *http.Client, url string, n int) {
	t.Helper()
	require.NoError(t, scheduler.Main(func() error {
		var resps []*http.Response
		for range n {
			resp, err := c.Get(url)
			require.NoError(t, err)
			resps = append(resps, resp)
		}
		for _, resp := range resps {
			_, err := io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
		}
		return nil
	}))
}

// gate holds the closing of the connections a gatedTransport dialled where gated says so (the
// caller's hub, nil for a plain goroutine), until open is closed: a greenlet parks there, as
// socket.Close parks one of another hub, and a plain goroutine blocks.
type gate struct {
	dial    atomic.Bool // the connections dialled meanwhile are gated
	gated   func(caller *scheduler.Hub) bool
	open    chan struct{}
	entered atomic.Int32 // Closes held at the gate so far
}

// gatedConn is a connection whose Close waits at its gate before it closes.
type gatedConn struct {
	net.Conn
	g *gate
}

func (c *gatedConn) Close() error {
	h := scheduler.CurrentHub()
	switch {
	case !c.g.gated(h):
	case h == nil:
		c.g.entered.Add(1)
		<-c.g.open
	case h.CheckWait() == nil:
		c.g.entered.Add(1)
		_, _ = scheduler.RunBlocking(bg, func() (struct{}, error) { <-c.g.open; return struct{}{}, nil })
	}
	return c.Conn.Close()
}

// gatedTransport dials through fds, gating the connections dialled while g.dial holds.
func gatedTransport(fds *dialedFDs, g *gate) *ghttp.Transport {
	return &ghttp.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := fds.dial(ctx, network, addr)
		if err != nil || !g.dial.Load() {
			return c, err
		}
		return &gatedConn{Conn: c, g: g}, nil
	}}
}

// goneWaiters counts the goroutines that wait in closeGone for a closing (not closing).
func goneWaiters() int {
	return countGoroutines([]string{"transportState).closeGone("}, "closeRaw")
}

// Regression (a review of 32e0ffd): the first request of a hub sweeps the states of hubs
// destroyed since, and closing their sockets parked it, so a second greenlet of the hub made
// its first request meanwhile and stored a state of its own, which the first one's then
// replaced: the second one's connection stayed idle where nothing could find it, and
// CloseIdleConnections left it open. The sweep no longer parks.
func TestSweepStoresOneStatePerHub(t *testing.T) {
	ghttp.WithoutHubEndWatch(t)
	ts := newHTTPTest(t, testMux(), false, nil)
	var fds dialedFDs
	var hubA atomic.Pointer[scheduler.Hub]
	onA := func(h *scheduler.Hub) bool { return h != nil && h == hubA.Load() }
	g := &gate{gated: onA, open: make(chan struct{})}
	g.dial.Store(true)
	c := &http.Client{Transport: gatedTransport(&fds, g)}
	idleOnNewHub(t, c, ts.URL+"/hello", 1) // hub B: one idle connection, left to the sweep
	g.dial.Store(false)
	quietMain(t, func() error {
		hubA.Store(scheduler.CurrentHub())
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		g1 := scheduler.Spawn(func() (struct{}, error) {
			getIdle(t, c, ts.URL+"/hello") // the hub's first request: sweeps B's state
			return struct{}{}, nil
		})
		require.NoError(t, scheduler.Sleep(ctx, 0))
		g2 := scheduler.Spawn(func() (struct{}, error) {
			getIdle(t, c, ts.URL+"/hello")
			return struct{}{}, nil
		})
		require.NoError(t, g2.Join(ctx))
		close(g.open)
		require.NoError(t, g1.Join(ctx))
		c.CloseIdleConnections() // on A: A's idle connections closed by its return
		assert.Empty(t, fds.open(), "an idle connection of the hub left open by CloseIdleConnections")
		return nil
	})
}

// Regression (a review of 32e0ffd): a kill that reached a greenlet while CloseIdleConnections
// closed a destroyed hub's idle connections was swallowed (socket.Close parked the greenlet and
// returned the kill, which the closing dropped): the greenlet ran on, and a blocking Kill
// waited for its natural end. Nothing parks there now; the kill reaches the next wait.
func TestSweepLeavesKillsToTheNextWait(t *testing.T) {
	ghttp.WithoutHubEndWatch(t)
	ts := newHTTPTest(t, testMux(), false, nil)
	var fds dialedFDs
	c := &http.Client{Transport: &ghttp.Transport{DialContext: fds.dial}}
	idleOnNewHub(t, c, ts.URL+"/hello", 2)
	require.Len(t, fds.open(), 2)
	quietMain(t, func() error {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		var slept error
		g := scheduler.Spawn(func() (struct{}, error) {
			c.CloseIdleConnections()
			slept = scheduler.Sleep(ctx, time.Hour)
			return struct{}{}, slept
		})
		require.NoError(t, scheduler.Sleep(ctx, 0))
		kctx, kcancel := context.WithTimeout(ctx, 5*time.Second)
		defer kcancel()
		require.NoError(t, g.Kill(kctx, nil), "the kill was swallowed: the greenlet ran on")
		assert.ErrorIs(t, slept, scheduler.ErrGreenletExit)
		// Closed on a goroutine of their own: a greenlet does not wait for it.
		require.NoError(t, eventually(ctx, func() bool { return len(fds.open()) == 0 }))
		return nil
	})
}

// idleGatedOnDestroyedHub returns a client whose one idle connection belongs to a hub destroyed
// since, without the hub-end watch: its closing from a plain goroutine is held at g until g.open
// is closed.
func idleGatedOnDestroyedHub(t *testing.T) (*http.Client, *gate, *dialedFDs) {
	ghttp.WithoutHubEndWatch(t)
	ts := newHTTPTest(t, testMux(), false, nil)
	fds := &dialedFDs{}
	g := &gate{gated: func(h *scheduler.Hub) bool { return h == nil }, open: make(chan struct{})}
	g.dial.Store(true)
	c := &http.Client{Transport: gatedTransport(fds, g)}
	idleOnNewHub(t, c, ts.URL+"/hello", 1)
	require.Len(t, fds.open(), 1)
	return c, g, fds
}

// Regression (a review of d5a5f90): a destroyed hub's state left the Transport before its
// connections were closed, so a CloseIdleConnections from a plain goroutine while another
// caller was closing them found nothing and returned with them still open. The state leaves
// once they are closed, and the second caller waits for the first one's closing. The closing
// is held (gatedConn) until the second caller returned or waits. Timing-sensitive only in the
// bound (10 s) of that hold.
func TestCloseIdleFromGoroutinesWaitsForAClosingUnderWay(t *testing.T) {
	c, g, fds := idleGatedOnDestroyedHub(t)
	first := make(chan struct{})
	go func() {
		defer close(first)
		c.CloseIdleConnections() // its closing waits at the gate
	}()
	require.Eventually(t, func() bool { return g.entered.Load() == 1 }, 10*time.Second, ms,
		"the first CloseIdleConnections does not close")
	openAtReturn := make(chan []int, 1)
	go func() {
		c.CloseIdleConnections()
		openAtReturn <- fds.open()
	}()
	require.Eventually(t, func() bool { return len(openAtReturn) > 0 || goneWaiters() >= 2 },
		10*time.Second, ms, "the second CloseIdleConnections neither returned nor waits")
	close(g.open)
	assert.Empty(t, <-openAtReturn, "CloseIdleConnections returned before the closing under way ended")
	<-first
}

// Regression (a review of 1059cf1): a Transport whose DialContext makes shared sockets of hub X
// (socket.Dialer{Hub: X}) and that a greenlet of hub B uses leaves, when B ends, an idle
// connection whose Close needs X to run; X's CloseIdleConnections waited for that closing,
// which waited for X, and X hung for good. A greenlet of a live hub no longer waits for a
// destroyed hub's closing. Run in a child process, so that a hang fails (bounded) instead of
// holding the test binary.
func TestSweepClosesASharedSocketOfTheSweepingHub(t *testing.T) {
	if !testproc.InChild(t) {
		return
	}
	ghttp.WithoutHubEndWatch(t)
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	var hubX atomic.Pointer[scheduler.Hub]
	c := &http.Client{Transport: &ghttp.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := socket.Dialer{Hub: hubX.Load()}
			return d.DialContext(ctx, network, addr)
		},
	}}
	quietMain(t, func() error {
		hubX.Store(scheduler.CurrentHub())
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		bDone := make(chan error, 1)
		go func() {
			bDone <- scheduler.Main(func() error { // hub B: one idle connection, a socket of X
				getIdle(t, c, ts.URL+"/hello")
				return nil
			})
		}()
		err, rerr := receive(ctx, bDone)
		require.NoError(t, rerr)
		require.NoError(t, err)
		c.CloseIdleConnections() // X sweeps B's state
		return eventually(ctx, cc.oneClosed)
	})
}

// A greenlet that sweeps a destroyed hub's state does not wait for its closing, and the state
// stays in the Transport until its connections are closed, so that a plain goroutine's
// CloseIdleConnections meanwhile still finds it and waits: the sweeps took the state off as
// soon as they had started the closing, and such a call returned with the connection open.
// The closing is held (gatedConn) until that call returned or waits. Timing-sensitive only in
// the bound (10 s) of that hold.
func TestGreenletSweepKeepsTheStateUntilClosed(t *testing.T) {
	c, g, fds := idleGatedOnDestroyedHub(t)
	quietMain(t, func() error {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		c.CloseIdleConnections() // a greenlet: starts the closing, held at the gate, and returns
		require.NoError(t, eventually(ctx, func() bool { return g.entered.Load() == 1 }),
			"the closing did not start")
		openAtReturn := make(chan []int, 1)
		go func() {
			c.CloseIdleConnections()
			openAtReturn <- fds.open()
		}()
		require.NoError(t, eventually(ctx, func() bool { return len(openAtReturn) > 0 || goneWaiters() >= 1 }),
			"the goroutine's CloseIdleConnections neither returned nor waits")
		close(g.open)
		open, err := receive(ctx, openAtReturn)
		require.NoError(t, err)
		assert.Empty(t, open, "CloseIdleConnections returned before the closing under way ended")
		return nil
	})
}
