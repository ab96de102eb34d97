package ghttp_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// TestRequestsInFlightStartNoGoroutine: 50 requests made by greenlets through the Transport,
// each bounded by a context deadline and cancellable, served by a Server on the same hub whose
// handlers all wait at once, start no goroutine of their own: the only goroutines added are
// the greenlets' coroutines (iter.Pull runs each greenlet on one), the 50 client greenlets and
// the 50 connection greenlets, none per request for a deadline, a cancel, a dial or a read (a
// few may come and go in the runtime: the bound is far below one per request).
func TestRequestsInFlightStartNoGoroutine(t *testing.T) {
	const n = 50
	require.NoError(t, scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var release event.Event
		inHandler := 0
		srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inHandler++
			_ = release.Wait(r.Context())
			_, _ = io.WriteString(w, "done")
		})}
		serving := serveIn(srv, ln)
		tr := &ghttp.Transport{MaxConnsPerHost: n}
		c := &http.Client{Transport: tr}
		ctx := testctx.Within(t, 10*time.Second)
		before := runtime.NumGoroutine()
		gs := make([]*scheduler.Greenlet[string], n)
		for i := range gs {
			gs[i] = scheduler.Spawn(func() (string, error) {
				rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				req, err := http.NewRequestWithContext(rctx, http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
				if err != nil {
					return "", err
				}
				resp, err := c.Do(req)
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return string(b), err
			})
		}
		require.NoError(t, eventually(ctx, func() bool { return inHandler == n }))
		added := runtime.NumGoroutine() - before - 2*n // less the greenlets
		assert.Less(t, added, 5, "goroutines besides greenlets with %d requests in flight", n)
		release.Set()
		for _, g := range gs {
			body, err := g.Get(ctx)
			require.NoError(t, err)
			assert.Equal(t, "done", body)
		}
		tr.CloseIdleConnections()
		require.NoError(t, srv.Shutdown(ctx))
		return serving.Join(ctx)
	}))
}
