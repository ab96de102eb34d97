package ghttp_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// Regression: a Transport whose idle connections IdleConnTimeout reaped kept its reaper timer
// in the hub's loop, and with it the Transport, until the hub's end: a long-lived hub making a
// Transport per request grew by one watcher per Transport. The timer goes with the state's last
// connection now. Timing-sensitive only in the bound of the poll (5 s) for the reaping.
func TestReapedTransportFreesItsTimer(t *testing.T) {
	ts := newHTTPTest(t, testMux(), false, nil)
	inHub(t, func(ctx context.Context) error {
		loop := scheduler.CurrentHub().Loop()
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		getReaped := func(n int) {
			var last *ghttp.Transport
			for range n {
				last = &ghttp.Transport{IdleConnTimeout: time.Millisecond}
				resp, err := (&http.Client{Transport: last}).Get(ts.URL + "/hello")
				require.NoError(t, err)
				_, err = io.Copy(io.Discard, resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close()) // idle now, reaped a millisecond later
			}
			require.NoError(t, eventually(wctx, func() bool { return ghttp.OpenConns(last) == 0 }))
		}
		// A first round leaves what the hub keeps for good: its pooled timers, the cleanup
		// watcher that closes idle connections at its end.
		getReaped(1)
		before := loop.WatcherCount()
		getReaped(5)
		require.NoError(t, eventually(wctx, func() bool { return loop.WatcherCount() == before }),
			"%d watchers left in the loop by 5 reaped Transports", loop.WatcherCount()-before)
		return nil
	})
}
