package ghttp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// quietMain is scheduler.Main without the blocking detector: these tests hold the hub's thread
// on purpose, so that a closing posted to it cannot run before they let it.
func quietMain(t *testing.T, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Config{MaxBlockingTime: -1}.Main(fn))
}

// getIdle makes one request with c and reads its body: its connection is kept idle.
func getIdle(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
}

// waitingToClose reports whether a goroutine waits in CloseIdleConnections for the closing it
// posted to the Transport's hub.
func waitingToClose() bool {
	return countGoroutines([]string{"ghttp.(*transportState).awaitClosing"}) > 0
}

// holdUntil holds the calling hub's thread (no switch: the hub runs nothing meanwhile) until
// cond holds, for at most 5 s.
func holdUntil(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), msg)
		runtime.Gosched()
	}
}

// oneClosed reports whether the server saw its one connection close.
func (cc *connCounter) oneClosed() bool { return cc.opened.Load() == 1 && cc.closed.Load() == 1 }

// receive waits cooperatively (the hub runs meanwhile) for a value on ch, within ctx.
func receive[T any](ctx context.Context, ch <-chan T) (T, error) {
	return scheduler.RunBlocking(ctx, func() (T, error) {
		select {
		case v := <-ch:
			return v, nil
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	})
}

// CloseIdleConnections from a goroutine that is no greenlet closes the idle connections by the
// time it returns, as net/http's does (it posted the closing to the Transport's hub and
// returned at once, the sockets still open). The hub is held meanwhile, so that the posted
// closing cannot overtake the return. Timing-sensitive only in the bound of the poll (5 s) for
// the server's side, which notices the close on its own goroutine.
func TestCloseIdleConnectionsFromAGoroutineClosesByItsReturn(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	var fds dialedFDs
	tr := &ghttp.Transport{DialContext: fds.dial}
	c := &http.Client{Transport: tr}
	quietMain(t, func() error {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		getIdle(t, c, ts.URL+"/hello")
		require.Len(t, fds.open(), 1, "one idle connection")
		openAtReturn := make(chan []int, 1)
		go func() {
			c.CloseIdleConnections() // from a plain goroutine, the Transport's hub running
			openAtReturn <- fds.open()
		}()
		holdUntil(t, func() bool { return len(openAtReturn) > 0 || waitingToClose() },
			"CloseIdleConnections neither returned nor waits")
		open, err := receive(ctx, openAtReturn) // the hub runs the posted closing meanwhile
		require.NoError(t, err)
		assert.Empty(t, open, "idle connections open when CloseIdleConnections returned")
		require.NoError(t, eventually(ctx, cc.oneClosed),
			"the server saw %d of %d connections close", cc.closed.Load(), cc.opened.Load())
		return nil
	})
}

// CloseIdleConnections waiting for the closing it posted returns once the Transport's hub is
// destroyed instead, which drops the posted function unrun, and closes the idle connections
// itself by then; the hub's end does not close them in this test, so that only the call may.
// Timing-sensitive only in the bounds (5 s) of its return and of the server's side.
func TestCloseIdleConnectionsReturnsWhenItsHubIsDestroyedFirst(t *testing.T) {
	ghttp.WithoutHubEndWatch(t)
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	var fds dialedFDs
	c := &http.Client{Transport: &ghttp.Transport{DialContext: fds.dial}}
	openAtReturn := make(chan []int, 1)
	quietMain(t, func() error {
		getIdle(t, c, ts.URL+"/hello")
		require.Len(t, fds.open(), 1, "one idle connection")
		go func() {
			c.CloseIdleConnections()
			openAtReturn <- fds.open()
		}()
		holdUntil(t, func() bool { return len(openAtReturn) > 0 || waitingToClose() },
			"CloseIdleConnections neither returned nor waits")
		return nil // Main destroys the hub, which never ran the posted closing
	})
	select {
	case open := <-openAtReturn:
		assert.Empty(t, open, "idle connections open when CloseIdleConnections returned")
	case <-time.After(5 * time.Second):
		t.Fatal("CloseIdleConnections still waits for the closing its hub's Destroy dropped")
	}
	assert.Eventually(t, cc.oneClosed, 5*time.Second, ms,
		"the server saw %d of %d connections close", cc.closed.Load(), cc.opened.Load())
}

// A greenlet of another hub calling CloseIdleConnections does not wait for the Transport's hub
// to run the closing it posts (it parked there, and a kill or a Timeout that reached it
// meanwhile was swallowed: the call returns no error, and the greenlet ran on as if nothing had
// happened); the kill reaches its next wait instead. The connections close once the
// Transport's hub runs the posted closing. Timing-sensitive only in the bounds (5 s, 10 s) of
// the polls and of the other hub's run.
func TestCloseIdleConnectionsFromAnotherHubDoesNotWait(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	var fds dialedFDs
	c := &http.Client{Transport: &ghttp.Transport{DialContext: fds.dial}}
	type outcome struct {
		open    []int // at the call's return
		slept   error // the wait after it, which the kill ends
		stopped bool  // the greenlet ran past that wait
	}
	done := make(chan outcome, 1)
	otherHub := func() error {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		var o outcome
		started := make(chan struct{})
		g := scheduler.Spawn(func() (struct{}, error) {
			close(started)
			c.CloseIdleConnections() // the Transport's hub is held: its closing cannot run
			o.open = fds.open()
			o.slept = scheduler.Sleep(ctx, time.Hour)
			o.stopped = true
			return struct{}{}, nil
		})
		if _, err := receive(ctx, started); err != nil {
			return err
		}
		require.NoError(t, scheduler.Sleep(ctx, 0)) // g is in its Sleep, past the call
		require.NoError(t, g.Kill(ctx, nil))
		done <- o
		return nil
	}
	quietMain(t, func() error {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		getIdle(t, c, ts.URL+"/hello")
		mainErr := make(chan error, 1)
		go func() { mainErr <- scheduler.Main(otherHub) }()
		holdUntil(t, func() bool { return len(done) > 0 },
			"the other hub's greenlet waits in CloseIdleConnections for this held hub")
		o := <-done
		assert.Len(t, o.open, 1, "the closing ran though its hub was held")
		assert.ErrorIs(t, o.slept, scheduler.ErrGreenletExit, "the kill did not reach the next wait")
		assert.True(t, o.stopped)
		require.NoError(t, eventually(ctx, func() bool { return len(fds.open()) == 0 }),
			"the posted closing did not close the idle connection")
		err, rerr := receive(ctx, mainErr)
		require.NoError(t, rerr)
		require.NoError(t, err, "the other hub's Main")
		return nil
	})
}

// Main (the hub's Destroy) returning finds its Transports' idle connections closed, plain and
// TLS: the goroutine that closes them is only woken when Destroy starts and raced its end; the
// loop's cleanup watcher closes them within Destroy now. Each round with the goroutine runs a
// few times, as it closed them first in about a third of the runs.
func TestIdleConnectionsClosedByTheTimeMainReturns(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		ts := newHTTPTest(t, testMux(), useTLS, nil)
		for _, round := range []string{"with the goroutine", "cleanup watcher alone"} {
			t.Run(map[bool]string{false: "http ", true: "https "}[useTLS]+round, func(t *testing.T) {
				runs := 20
				if round == "cleanup watcher alone" {
					ghttp.WithoutHubEndGoroutine(t)
					runs = 1
				}
				for range runs {
					var fds dialedFDs
					tr := transportFor(ts)
					tr.DialContext = fds.dial
					inHub(t, func(context.Context) error {
						getIdle(t, &http.Client{Transport: tr}, ts.URL+"/hello")
						require.Len(t, fds.open(), 1, "one idle connection")
						return nil
					})
					require.Empty(t, fds.open(), "idle connections open when Main returned")
				}
			})
		}
	}
}

// A Transport whose last connection closes (here reaped by IdleConnTimeout) while a request of
// another Transport waits for its response leaves that wait alone: the hub's end must not
// count for the loop's life, nor its going for the socket's (with a cleanup watcher per
// Transport stopped then, cev counted the loop dead and the waiting request got LoopExit).
// Timing-sensitive only in the bound (10 s) of the hub's run.
func TestTransportReapedWhileAnotherRequestWaitsLeavesItWaiting(t *testing.T) {
	release := make(chan struct{}) // closed when the server saw the reaped connection close
	var once sync.Once
	mux := http.NewServeMux()
	mux.Handle("/hello", testMux())
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			_, _ = io.WriteString(w, "slow")
		case <-r.Context().Done():
		}
	})
	ts := httptest.NewUnstartedServer(mux)
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed {
			once.Do(func() { close(release) })
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	inHub(t, func(context.Context) error {
		getIdle(t, &http.Client{Transport: &ghttp.Transport{IdleConnTimeout: ms}}, ts.URL+"/hello")
		resp, err := (&http.Client{Transport: &ghttp.Transport{}}).Get(ts.URL + "/slow")
		require.NoError(t, err, "the request waiting while the other Transport's connection was reaped")
		assert.Equal(t, "slow", readAll(t, resp))
		return nil
	})
}
