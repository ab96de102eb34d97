package socket_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
	"github.com/geventgo/geventgo/threadpool"
)

// TestHTTPServerOnGoroutineSafeListener: net/http's Server serves on a
// cooperative Listener through GoroutineSafe, keep-alive connections and
// concurrent clients included, while greenlets of the hub keep running; the
// Server's goroutines end when it is closed.
func TestHTTPServerOnGoroutineSafeListener(t *testing.T) {
	before := fdCount(t)
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		gl, err := socket.GoroutineSafe(ln)
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
		go func() { served <- srv.Serve(gl) }()

		ticks := 0
		ticker := scheduler.Go(func() error {
			for {
				if err := scheduler.Sleep(time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
		})
		pool, err := threadpool.New(4)
		require.NoError(t, err)
		url := "http://" + ln.Addr().String()
		// Off the hub: http's client blocks its goroutine on Go's netpoller.
		out, err := threadpool.Map(pool, func(i int) (string, error) {
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			var got []string
			for j := range 3 { // keep-alive: three requests on one connection
				resp, err := client.Post(fmt.Sprintf("%s/c%d", url, i), "text/plain", strings.NewReader(fmt.Sprint(j)))
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
		}, []int{0, 1, 2, 3})
		require.NoError(t, err)
		for i, s := range out {
			assert.Equal(t, fmt.Sprintf("POST /c%d 0,POST /c%d 1,POST /c%d 2", i, i, i), s)
		}
		assert.Greater(t, ticks, 0, "greenlets ran while the server served")

		// Server.Close waits for Serve to return, which needs the hub to
		// run Serve's Accept: it runs off the hub, as the doc says.
		_, err = scheduler.RunBlocking(func() (struct{}, error) { return struct{}{}, srv.Close() })
		require.NoError(t, err)
		serveErr, err := scheduler.RunBlocking(func() (error, error) { return <-served, nil })
		require.NoError(t, err)
		assert.ErrorIs(t, serveErr, http.ErrServerClosed)
		require.NoError(t, pool.Close())
		return ticker.Kill(nil, true, time.Second)
	})
	assert.Equal(t, before, fdCount(t))
}

// TestGoroutineSafeRefusals: GoroutineSafe itself is hub-affine, and a
// posted call after the hub is destroyed fails instead of waiting forever.
func TestGoroutineSafeRefusals(t *testing.T) {
	var gl net.Listener
	var ln *socket.Listener
	run(t, func() error {
		var err error
		ln, err = socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var ferr error
		var wg sync.WaitGroup
		wg.Go(func() { _, ferr = socket.GoroutineSafe(ln) })
		wg.Wait()
		assert.ErrorIs(t, ferr, scheduler.ErrNotGreenlet)
		gl, err = socket.GoroutineSafe(ln)
		require.NoError(t, err)
		return nil
	})
	// run destroyed the hub: the listener is gone with it.
	_, err := gl.Accept()
	assert.True(t, errors.Is(err, scheduler.ErrHubDestroyed), "got %v", err)
	assert.ErrorIs(t, gl.Close(), scheduler.ErrHubDestroyed)
}

// TestGoroutineSafeFromHubCallback: a call on the hub itself (a callback)
// runs directly; posting it and waiting on the hub's own goroutine would
// never return. What would block is refused there, as by the socket itself.
func TestGoroutineSafeFromHubCallback(t *testing.T) {
	run(t, func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		gl, err := socket.GoroutineSafe(ln)
		require.NoError(t, err)
		var acceptErr, closeErr error
		scheduler.GetHub().RunCallback(func() {
			_, acceptErr = gl.Accept()
			closeErr = gl.Close()
		})
		require.NoError(t, scheduler.Sleep(0))
		assert.ErrorIs(t, acceptErr, scheduler.ErrNotGreenlet)
		assert.NoError(t, closeErr)
		return nil
	})
}
