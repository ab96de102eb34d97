package socket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// sharedSocketpair is a Socketpair of the calling greenlet's hub whose first end is shared
// (Conn.Shared); the caller closes both.
func sharedSocketpair(t *testing.T) (net.Conn, *socket.Conn) {
	t.Helper()
	a, b, err := socket.Socketpair()
	require.NoError(t, err)
	return a.Shared(), b
}

// sharedPair dials a shared connection of h to a package net listener from the calling
// goroutine and returns it with the accepted package net end.
func sharedPair(t *testing.T, h *scheduler.Hub) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	d := socket.Dialer{Hub: h}
	c, err := d.DialContext(testctx.Within(t, 5*time.Second), "tcp", ln.Addr().String())
	require.NoError(t, err)
	peer, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { peer.Close() })
	return c, peer
}

// TestSharedSocketOutlivedByNothingWhenHubDestroyed: destroying the hub under a shared socket
// closes it: a goroutine blocked in Read gets net.ErrClosed, later calls too, the peer sees EOF,
// and neither the fd nor the reaper goroutine is left.
func TestSharedSocketOutlivedByNothingWhenHubDestroyed(t *testing.T) {
	fds := openFDs(t)
	gs := runtime.NumGoroutine()
	h, stop := hubOnGoroutine(t)
	c, peer := sharedPair(t, h)
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readErr <- err
	}()
	stop()
	err := <-readErr
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.ErrorIs(t, err, scheduler.ErrClosed)
	_, err = c.Write([]byte("x"))
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.ErrorIs(t, c.SetDeadline(time.Now()), net.ErrClosed)
	assert.ErrorIs(t, c.Close(), net.ErrClosed)
	require.NoError(t, peer.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = peer.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF)
	require.NoError(t, peer.Close())
	assertNoNewFDs(t, fds)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > gs && time.Now().Before(deadline) {
		time.Sleep(ms)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), gs, "the hub's and the reaper's goroutines ended")
}

// TestSharedSocketKeepsHubAlive: the hub does not end in LoopExit while a shared socket is open
// (goroutines may still call it), and does once it is closed.
func TestSharedSocketKeepsHubAlive(t *testing.T) {
	type started struct {
		h  *scheduler.Hub
		ln net.Listener
	}
	startc := make(chan started, 1)
	exited := make(chan error, 1)
	go func() {
		exited <- scheduler.Main(func() error {
			ln, err := socket.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			startc <- started{scheduler.CurrentHub(), ln.Shared()}
			_, err = scheduler.NewWaiter("nothing but the listener").Get(bg)
			return err
		})
	}()
	st := <-startc
	// Each post is a loop iteration after the main greenlet blocked with nothing but the
	// listener alive: without the listener's hold the first would have ended in LoopExit.
	for range 3 {
		ran := make(chan struct{})
		require.NoError(t, st.h.Post(func() { close(ran) }), "the hub runs")
		select {
		case err := <-exited:
			t.Fatalf("the hub ended while a shared listener was open: %v", err)
		case <-ran:
		}
	}
	require.NoError(t, st.ln.Close())
	assert.ErrorIs(t, <-exited, scheduler.ErrLoopExit)
}

// TestSharedFromGreenlets: greenlets may use a shared socket too (the call runs through
// RunBlocking while the hub goes on); a hub callback may close it but not block in it.
func TestSharedFromGreenlets(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		sa := a.Shared()
		defer b.Close()
		ticks := 0
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(bg, ms); err != nil {
					return err
				}
				ticks++
			}
		})
		reader := scheduler.Spawn(func() (string, error) {
			buf := make([]byte, 5)
			_, err := io.ReadFull(sa, buf)
			return string(buf), err
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.False(t, reader.Ready(), "the reader waits in the shared socket")
		require.NoError(t, pollUntil(testctx.Within(t, 5*time.Second), func() bool { return ticks >= 2 }))
		require.False(t, reader.Ready(), "the hub ran greenlets while the reader waited")
		_, err = b.Write([]byte("hello"))
		require.NoError(t, err)
		got, err := reader.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, "hello", got)
		assert.Positive(t, ticks, "the hub ran greenlets while one waited in the shared socket")

		var readErr, closeErr error
		scheduler.CurrentHub().RunCallback(func() {
			_, readErr = a.Read(make([]byte, 1))
			closeErr = a.Close()
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.ErrorIs(t, readErr, scheduler.ErrNotGreenlet)
		assert.NoError(t, closeErr)
		return ticker.Kill(bg, nil)
	})
}

// TestSharedFromAnyGoroutine: Shared may be called off the hub (a goroutine that was handed
// the socket), and the socket then works from that goroutine.
func TestSharedFromAnyGoroutine(t *testing.T) {
	run(t, func() error {
		a, b, err := socket.Socketpair()
		require.NoError(t, err)
		defer b.Close()
		scheduler.Go(func() error {
			buf := make([]byte, 4)
			if _, err := io.ReadFull(b, buf); err != nil {
				return err
			}
			_, err := b.Write([]byte("pong"))
			return err
		})
		got, err := scheduler.RunBlocking(bg, func() (string, error) {
			sa := a.Shared()
			defer sa.Close()
			if _, err := b.Write([]byte("hi")); !errors.Is(err, scheduler.ErrNotGreenlet) {
				return "", fmt.Errorf("b is not shared: its Write off the hub must be refused, got %v", err)
			}
			if _, err := sa.Write([]byte("ping")); err != nil {
				return "", err
			}
			buf := make([]byte, 4)
			_, err := io.ReadFull(sa, buf)
			return string(buf), err
		})
		require.NoError(t, err)
		assert.Equal(t, "pong", got)
		return nil
	})
}

// TestSharedWaitsWithoutTheHub: a goroutine's wait on a shared socket is Go's poller's, not the
// hub's: goroutines ping-pong over a shared connection while the hub's goroutine is held outside
// the loop (a plain channel receive in a greenlet). When the hub armed those waits, the first one
// hung until the deadline.
func TestSharedWaitsWithoutTheHub(t *testing.T) {
	run(t, func() error {
		h := scheduler.CurrentHub()
		type pair struct{ c, peer net.Conn }
		p, err := scheduler.RunBlocking(bg, func() (pair, error) {
			c, peer := sharedPair(t, h)
			return pair{c, peer}, nil
		})
		require.NoError(t, err)
		defer p.c.Close()
		deadline := time.Now().Add(10 * time.Second)
		require.NoError(t, p.c.SetDeadline(deadline))
		require.NoError(t, p.peer.SetDeadline(deadline))
		const rounds = 100
		echoed := make(chan error, 1)
		go func() {
			buf := make([]byte, 4)
			for range rounds {
				if _, err := io.ReadFull(p.c, buf); err != nil {
					echoed <- err
					return
				}
				if _, err := p.c.Write(buf); err != nil {
					echoed <- err
					return
				}
			}
			echoed <- nil
		}()
		pinged := make(chan error, 1)
		go func() {
			buf := make([]byte, 4)
			for range rounds {
				if _, err := p.peer.Write([]byte("ping")); err != nil {
					pinged <- err
					return
				}
				if _, err := io.ReadFull(p.peer, buf); err != nil {
					pinged <- err
					return
				}
			}
			pinged <- nil
		}()
		// Held outside the loop: nothing on the hub runs until both are done.
		assert.NoError(t, <-echoed)
		assert.NoError(t, <-pinged)
		return nil
	})
}

// TestZeroSockets: zero Conn, Listener and PacketConn fail every call with an error matching
// ErrBadFD and net.ErrClosed, and never panic.
func TestZeroSockets(t *testing.T) {
	var c socket.Conn
	var l socket.Listener
	var p socket.PacketConn
	b := make([]byte, 1)
	now := time.Now()
	var errs []error
	add := func(_ any, err error) { errs = append(errs, err) }
	add(c.Read(b))
	add(c.Write(b))
	add(nil, c.Close())
	add(nil, c.SetDeadline(now))
	add(nil, c.SetReadDeadline(now))
	add(nil, c.SetWriteDeadline(now))
	add(nil, c.SetReadBuffer(1))
	add(nil, c.SetWriteBuffer(1))
	add(nil, c.SetNoDelay(true))
	add(nil, c.CloseWrite())
	add(nil, c.CloseRead())
	add(c.Shared().Read(b))
	add(l.Accept())
	add(l.AcceptConn())
	add(nil, l.Close())
	add(nil, l.SetDeadline(now))
	add(l.Shared().Accept())
	_, _, err := p.ReadFrom(b)
	add(nil, err)
	add(p.WriteTo(b, &net.UDPAddr{}))
	add(p.Read(b))
	add(p.Write(b))
	add(nil, p.Close())
	add(p.Shared().WriteTo(b, &net.UDPAddr{}))
	for i, err := range errs {
		assert.ErrorIs(t, err, socket.ErrBadFD, "call %d", i)
		assert.ErrorIs(t, err, net.ErrClosed, "call %d", i)
		var oe *net.OpError
		assert.ErrorAs(t, err, &oe, "call %d", i)
	}
	assert.Nil(t, c.LocalAddr())
	assert.Nil(t, c.RemoteAddr())
	assert.Nil(t, l.Addr())
	assert.Equal(t, -1, c.Fd())
}

// TestNilArguments: nil contexts, configs and addresses are ErrNilArgument, not a panic.
func TestNilArguments(t *testing.T) {
	run(t, func() error {
		var nilCtx context.Context
		_, err := (&socket.Dialer{}).DialContext(nilCtx, "tcp", "127.0.0.1:1")
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		var d *socket.Dialer
		_, err = d.Dial("tcp", "127.0.0.1:1")
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = (&socket.ListenConfig{}).Listen(nilCtx, "tcp", "127.0.0.1:0")
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		var lc *socket.ListenConfig
		_, err = lc.ListenPacket(bg, "udp", "127.0.0.1:0")
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, _, err = socket.Select(nilCtx, nil, nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = socket.Poll(nilCtx, nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		assert.ErrorIs(t, socket.WaitRead(nilCtx, 0), scheduler.ErrNilArgument)
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer pc.Close()
		_, err = pc.WriteTo([]byte("x"), nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		_, err = pc.Shared().WriteTo([]byte("x"), nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		return nil
	})
}

// TestNothingCreatesAHub: dialing, listening and waiting from a goroutine without a hub fail
// with ErrNotGreenlet and create no hub.
func TestNothingCreatesAHub(t *testing.T) {
	_, err := socket.Dial("tcp", "127.0.0.1:1")
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	_, err = socket.Listen("tcp", "127.0.0.1:0")
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	_, err = socket.ListenPacket("udp", "127.0.0.1:0")
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	_, _, err = socket.Socketpair()
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	assert.ErrorIs(t, socket.WaitRead(bg, 0), scheduler.ErrNotGreenlet)
	assert.Nil(t, scheduler.CurrentHub())
}

// stubLookup replaces socket.LookupHost for the test with one that answers after release is
// closed (or fails when ctx ends first), as a slow DNS server would.
func stubLookup(t *testing.T) (release func()) {
	t.Helper()
	ch := make(chan struct{})
	old := socket.LookupHost
	socket.LookupHost = func(ctx context.Context, host string) ([]netip.Addr, error) {
		answer := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
		if scheduler.CurrentHub() != nil { // a greenlet waits without blocking its hub
			_, err := scheduler.RunBlocking(ctx, func() (struct{}, error) { <-ch; return struct{}{}, nil })
			return answer, err
		}
		select {
		case <-ch:
			return answer, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(func() {
		release()
		socket.LookupHost = old
	})
	return release
}

// TestDialTimeoutBoundsSlowLookupTimingSensitive: DialTimeout's timeout covers the name lookup,
// so a lookup that hangs ends the dial after the timeout (it took the resolver's own 2 s). This
// is the LookupHost hook's path; TestDialBoundsSlowSystemResolverTimingSensitive takes the
// default one, to a DNS server that never answers.
// Timing-sensitive: it asserts the dial ends well before a second.
func TestDialTimeoutBoundsSlowLookupTimingSensitive(t *testing.T) {
	stubLookup(t)
	run(t, func() error {
		start := time.Now()
		_, err := socket.DialTimeout("tcp", "slow.invalid:80", 100*ms)
		took := time.Since(start)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.GreaterOrEqual(t, took, 90*ms)
		assert.Less(t, took, time.Second)
		return nil
	})
	// A shared dial from a goroutine, with the deadline in its context.
	h, _ := hubOnGoroutine(t)
	d := socket.Dialer{Hub: h}
	start := time.Now()
	_, err := d.DialContext(testctx.Within(t, 100*ms), "tcp", "slow.invalid:80")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
}

// TestDialContextCancelledDuringLookup: cancelling the context ends a dial that waits for its
// lookup, with context.Canceled.
func TestDialContextCancelledDuringLookup(t *testing.T) {
	stubLookup(t)
	run(t, func() error {
		ctx, cancel := context.WithCancel(bg)
		scheduler.Go(func() error { cancel(); return nil }) // runs once the dial waits for the lookup
		var d socket.Dialer
		_, err := d.DialContext(ctx, "tcp", "slow.invalid:80")
		assert.ErrorIs(t, err, context.Canceled)
		return nil
	})
}

// TestDialFromAnotherHubsGreenlet: a Dialer naming hub A, used in a greenlet of hub B, dials
// through RunBlocking (B keeps running) and returns a shared connection of A.
func TestDialFromAnotherHubsGreenlet(t *testing.T) {
	hA, _ := hubOnGoroutine(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		c, err := ln.Accept()
		if err == nil {
			_, _ = io.Copy(c, c)
			c.Close()
		}
	}()
	defer func() { <-echoed }() // its fd is closed before the next test counts fds
	run(t, func() error {
		d := socket.Dialer{Hub: hA}
		c, err := d.DialContext(testctx.Within(t, 5*time.Second), "tcp", ln.Addr().String())
		require.NoError(t, err)
		_, err = c.Write([]byte("ping"))
		require.NoError(t, err)
		buf := make([]byte, 4)
		_, err = io.ReadFull(c, buf)
		require.NoError(t, err)
		assert.Equal(t, "ping", string(buf))
		return c.Close()
	})
}

// TestSharedPacketConn: a shared datagram socket made from a goroutine echoes for package
// net's; concurrent ReadFrom calls are served one at a time, and a deadline ends one.
func TestSharedPacketConn(t *testing.T) {
	h, _ := hubOnGoroutine(t)
	lc := socket.ListenConfig{Hub: h}
	srv, err := lc.ListenPacket(bg, "udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer srv.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			buf := make([]byte, 64)
			for {
				n, from, err := srv.ReadFrom(buf)
				if err != nil {
					return
				}
				if _, err := srv.WriteTo(buf[:n], from); err != nil {
					return
				}
			}
		})
	}
	c, err := net.Dial("udp", srv.LocalAddr().String())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	for i := range 20 {
		msg := fmt.Sprint("ping ", i)
		_, err := c.Write([]byte(msg))
		require.NoError(t, err)
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, msg, string(buf[:n]))
	}
	require.NoError(t, srv.SetReadDeadline(time.Now()))
	wg.Wait() // every ReadFrom ended with the past deadline
	_, _, err = srv.ReadFrom(make([]byte, 1))
	assert.ErrorIs(t, err, socket.ErrTimeout)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

// TestSharedPastDeadlineWithConnectionQueued: as in package net, a deadline that has passed fails
// a shared socket's call even when it would not block: here Accept, with a connection queued
// (a loopback connect returns once the connection is in the listener's queue).
func TestSharedPastDeadlineWithConnectionQueued(t *testing.T) {
	h, _ := hubOnGoroutine(t)
	lc := socket.ListenConfig{Hub: h}
	ln, err := lc.Listen(bg, "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, ln.SetDeadline(time.Unix(1, 0)))
	_, err = ln.Accept()
	assert.ErrorIs(t, err, socket.ErrTimeout)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

// TestHTTPServerOnSharedListener: net/http's Server serves on a cooperative Listener made
// goroutine-safe by Shared, keep-alive connections and concurrent clients included, while
// greenlets of the hub keep running; the Server's goroutines end when it is closed.
func TestHTTPServerOnSharedListener(t *testing.T) {
	before := openFDs(t)
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, body)
		})}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln.Shared()) }()

		var ticks atomic.Int64
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(bg, ms); err != nil {
					return err
				}
				ticks.Add(1)
			}
		})
		url := "http://" + ln.Addr().String()
		// Off the hub: http's client blocks its goroutine on Go's netpoller.
		out, err := scheduler.RunBlocking(bg, func() ([]string, error) {
			out := make([]string, 4)
			errs := make([]error, 4)
			var wg sync.WaitGroup
			for i := range out {
				wg.Go(func() { out[i], errs[i] = keepAliveClient(fmt.Sprintf("%s/c%d", url, i)) })
			}
			wg.Wait()
			// The exchanges may take less than a tick: the hub must still run greenlets
			// while the server serves (its goroutines are alive until Close below).
			for end := time.Now().Add(5 * time.Second); ticks.Load() == 0 && time.Now().Before(end); {
				time.Sleep(ms)
			}
			return out, errors.Join(errs...)
		})
		require.NoError(t, err)
		for i, s := range out {
			assert.Equal(t, fmt.Sprintf("POST /c%d 0,POST /c%d 1,POST /c%d 2", i, i, i), s)
		}
		assert.Positive(t, ticks.Load(), "greenlets ran while the server served")

		// Server.Close waits for Serve to return, which needs the hub: off the hub.
		_, err = scheduler.RunBlocking(bg, func() (struct{}, error) { return struct{}{}, srv.Close() })
		require.NoError(t, err)
		serveErr, err := scheduler.RunBlocking(bg, func() (error, error) { return <-served, nil })
		require.NoError(t, err)
		assert.ErrorIs(t, serveErr, http.ErrServerClosed)
		return ticker.Kill(bg, nil)
	})
	assertNoNewFDs(t, before)
}

// keepAliveClient makes three requests on one connection and returns the bodies.
func keepAliveClient(url string) (string, error) {
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	var got []string
	for j := range 3 {
		resp, err := client.Post(url, "text/plain", strings.NewReader(fmt.Sprint(j)))
		if err != nil {
			return "", err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return "", err
		}
		got = append(got, string(b))
	}
	return strings.Join(got, ","), nil
}

// TestSharedConcurrently: Shared called by several goroutines at once shares once, and the
// socket works for all of them (the loser's channels were installed on the hub side).
func TestSharedConcurrently(t *testing.T) {
	for range 100 {
		run(t, func() error {
			a, b, err := socket.Socketpair()
			require.NoError(t, err)
			defer b.Close()
			scheduler.Go(func() error {
				buf := make([]byte, 8)
				if _, err := io.ReadFull(b, buf); err != nil {
					return err
				}
				_, err := b.Write(buf)
				return err
			})
			_, err = scheduler.RunBlocking(bg, func() (struct{}, error) {
				var wg sync.WaitGroup
				conns := make([]net.Conn, 4)
				start := make(chan struct{})
				for i := range conns {
					wg.Go(func() {
						<-start
						conns[i] = a.Shared()
					})
				}
				close(start)
				wg.Wait()
				if _, err := conns[0].Write([]byte("12345678")); err != nil {
					return struct{}{}, err
				}
				_, err := io.ReadFull(conns[3], make([]byte, 8))
				if err == nil {
					err = conns[1].Close()
				}
				return struct{}{}, err
			})
			return err
		})
	}
}
