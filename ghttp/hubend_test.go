package ghttp_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// A handler killed by its hub's Destroy (Main returning) runs on that hub still: its
// ResponseWriter and request body refuse it with scheduler.ErrHubDestroyed, as every package
// reports a destroyed hub, not with ErrNotGreenlet ("not called from a greenlet of this hub"),
// and WriteHeader, which cannot fail, logs nothing.
func TestHandlerKilledByItsHubsDestroyGetsErrHubDestroyed(t *testing.T) {
	var (
		logged  bytes.Buffer
		started event.Event
		killed  error
		res     map[string]error
	)
	srv := &ghttp.Server{
		ErrorLog: log.New(&logged, "", 0),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			started.Set()
			killed = scheduler.Sleep(r.Context(), time.Hour)
			res = lateUse(w, r)
		}),
	}
	var client net.Conn
	defer func() {
		if client != nil {
			_ = client.Close()
		}
	}()
	require.NoError(t, scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		scheduler.Go(func() error { _ = srv.Serve(ln); return nil })
		client, err = net.Dial("tcp", ln.Addr().String()) // connects without the hub's accept
		require.NoError(t, err)
		// A body the handler has not read: its request body is the server's own.
		_, err = client.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf"))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		return started.Wait(ctx) // then Main destroys the hub, killing the handler
	}))
	require.ErrorIs(t, killed, scheduler.ErrGreenletExit, "the handler was killed by the Destroy")
	for _, op := range []string{"Write", "WriteString", "ReadFrom", "Flush", "SetReadDeadline",
		"SetWriteDeadline", "EnableFullDuplex", "Hijack", "Body.Read", "Body.Close"} {
		assert.ErrorIs(t, res[op], scheduler.ErrHubDestroyed, op)
		assert.NotErrorIs(t, res[op], scheduler.ErrNotGreenlet, op)
	}
	for _, op := range []string{"WriteHeader", "Header", "Flusher"} {
		assert.NoError(t, res[op], op)
	}
	assert.Empty(t, logged.String(), "nothing logged for a response that dies with its hub")
}

// fdTarget is what /proc/self/fd says fd refers to ("" once it is closed): a socket's target
// names its inode, so a number reused by a new socket reads differently.
func fdTarget(fd int) string {
	target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return ""
	}
	return target
}

// dialedFDs records the descriptors a Transport's DialContext opened, with their targets.
type dialedFDs struct {
	mu      sync.Mutex
	targets map[int]string
}

func (d *dialedFDs) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var dialer socket.Dialer
	c, err := dialer.DialContext(ctx, network, addr)
	if sc, ok := c.(*socket.Conn); ok {
		d.mu.Lock()
		if d.targets == nil {
			d.targets = map[int]string{}
		}
		d.targets[sc.Fd()] = fdTarget(sc.Fd())
		d.mu.Unlock()
	}
	return c, err
}

// open returns the recorded descriptors still open.
func (d *dialedFDs) open() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	var open []int
	for fd, target := range d.targets {
		if fdTarget(fd) == target {
			open = append(open, fd)
		}
	}
	return open
}

// A Transport's idle connections close when their hub is destroyed (each scheduler.Main with
// a Transport of its own left its idle sockets open for good), and CloseIdleConnections closes
// them after that hub's end too, from any goroutine, by the time it returns (it did nothing once
// the hub was gone); that round runs without the hub's end closing them. Timing-sensitive only
// in the bound of the polls (5 s) for what closes on its own: the hub's end and the server's
// side of the connections.
func TestTransportIdleConnectionsCloseAtTheirHubsEnd(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	for _, after := range []string{"the hub's end", "CloseIdleConnections"} {
		if after == "CloseIdleConnections" {
			ghttp.WithoutHubEndWatch(t) // so that only CloseIdleConnections may close them
		}
		var fds dialedFDs
		tr := &ghttp.Transport{DialContext: fds.dial}
		c := &http.Client{Transport: tr}
		inHub(t, func(ctx context.Context) error {
			// Two at once: two connections, both idle once their bodies are read.
			g := scheduler.Spawn(func() (*http.Response, error) { return c.Get(ts.URL + "/hello") })
			resp, err := c.Get(ts.URL + "/hello")
			require.NoError(t, err)
			resp2, err := g.Get(ctx)
			require.NoError(t, err)
			for _, r := range []*http.Response{resp, resp2} {
				_, err = io.Copy(io.Discard, r.Body)
				require.NoError(t, err)
				require.NoError(t, r.Body.Close())
			}
			require.Len(t, fds.open(), 2, "two idle connections")
			return nil
		})
		if after == "CloseIdleConnections" {
			tr.CloseIdleConnections() // from this goroutine, the Transport's hub destroyed
			assert.Empty(t, fds.open(), "idle connections left open once CloseIdleConnections returned")
		}
		assert.Eventually(t, func() bool { return len(fds.open()) == 0 }, 5*time.Second, ms,
			"idle connections left open after %s", after)
		assert.Eventually(t, func() bool { return cc.closed.Load() == cc.opened.Load() }, 5*time.Second, ms,
			"the server saw %d of %d connections close after %s", cc.closed.Load(), cc.opened.Load(), after)
	}
}

// A greenlet the hub's Destroy kills while it holds a response whose body it closes in a defer
// closes the connection (that Close was refused with ErrHubDestroyed, and the socket stayed
// open for good): it is closed by the time Main returns.
func TestTransportBodyClosedByAGreenletItsHubsDestroyKills(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	var fds dialedFDs
	c := &http.Client{Transport: &ghttp.Transport{DialContext: fds.dial}}
	var closeErr, readErr error
	inHub(t, func(ctx context.Context) error {
		var holding event.Event
		scheduler.Go(func() error {
			resp, err := c.Get(ts.URL + "/hello")
			if err != nil {
				return err
			}
			defer func() { closeErr = resp.Body.Close() }()
			holding.Set()
			_ = scheduler.Sleep(bg, time.Hour) // killed by the Destroy of Main's return
			_, readErr = resp.Body.Read(make([]byte, 1))
			return nil
		})
		return holding.Wait(ctx)
	})
	assert.ErrorIs(t, readErr, scheduler.ErrHubDestroyed, "a Read in the dying greenlet")
	assert.NoError(t, closeErr)
	assert.Empty(t, fds.open(), "the connection outlived its hub")
	assert.Eventually(t, func() bool { return cc.opened.Load() == 1 && cc.closed.Load() == 1 }, 5*time.Second, ms,
		"the server saw %d of %d connections close", cc.closed.Load(), cc.opened.Load())
}

// goroutineStacks returns the stack of every goroutine, one string each.
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// countGoroutines counts the goroutines whose stack holds every one of in and none of out.
func countGoroutines(in []string, out ...string) int {
	count := 0
	for _, g := range goroutineStacks() {
		if containsAll(g, in) && !containsAny(g, out) {
			count++
		}
	}
	return count
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// watchingGoroutines counts the goroutines waiting for a hub's end on behalf of a Transport's
// idle connections (one not yet started shows its go statement's wrapper: not counted).
func watchingGoroutines() int {
	return countGoroutines([]string{"ghttp.(*transportState).watchEnd"})
}

// A Transport whose connections are all closed (CloseIdleConnections, IdleConnTimeout) keeps
// no goroutine waiting for its hub's end: on a hub that runs for good (a server making a
// Transport per request and closing its idle connections after it) each one stayed parked,
// holding its Transport, until the hub's end. Timing-sensitive only in the bound of the polls
// (5 s) for the goroutines' start and exit.
func TestTransportWithoutConnectionsKeepsNoHubEndWatch(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	// The watches of the hubs earlier tests ended may still be on their way out.
	require.Eventually(t, func() bool { return watchingGoroutines() == 0 }, 5*time.Second, ms)
	const before = 0
	inHub(t, func(ctx context.Context) error {
		get := func(c *http.Client) {
			resp, err := c.Get(ts.URL + "/hello")
			require.NoError(t, err)
			_, err = io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close()) // idle now: its hub's end is watched
		}
		for range 5 {
			c := &http.Client{Transport: &ghttp.Transport{}}
			get(c)
			c.CloseIdleConnections()
		}
		reaped := &http.Client{Transport: &ghttp.Transport{IdleConnTimeout: ms}}
		get(reaped)
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		require.NoError(t, eventually(wctx, func() bool { return watchingGoroutines() == before }),
			"%d goroutines wait for the hub's end for Transports without a connection", watchingGoroutines()-before)
		// A Transport that keeps a connection idle again is watched again.
		kept := &http.Client{Transport: &ghttp.Transport{}}
		get(kept)
		require.NoError(t, eventually(wctx, func() bool { return watchingGoroutines() == before+1 }),
			"a Transport keeping a connection idle is not watched")
		return nil
	})
	assert.Eventually(t, func() bool { return watchingGoroutines() == before }, 5*time.Second, ms)
}
