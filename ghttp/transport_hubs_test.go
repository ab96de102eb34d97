package ghttp_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// One Transport (one http.Client) serves the greenlets of two hubs running at once, as a program
// with a hub per core shares its client: each hub dials and reuses its own connection (a socket
// belongs to one hub). It used to bind to the first hub and refuse the second's requests with
// ErrNotGreenlet. CloseIdleConnections from a plain goroutine closes the idle connections of both;
// the states of hubs destroyed since are dropped at the next hub's first request, or at the end of
// a hub that kept a connection idle. Timing-sensitive only in the bounds (10 s) of the waits and
// polls.
func TestTransportSharedByHubs(t *testing.T) {
	var cc connCounter
	ts := newHTTPTest(t, testMux(), false, &cc)
	tr := &ghttp.Transport{}
	c := &http.Client{Transport: tr}
	const hubs, requests = 2, 3
	release := make(chan struct{})
	var served sync.WaitGroup // each hub made its requests and keeps its connection idle
	served.Add(hubs)
	var ended sync.WaitGroup
	for range hubs {
		ended.Add(1)
		go func() {
			defer ended.Done()
			assert.NoError(t, scheduler.Main(func() error {
				once := sync.OnceFunc(served.Done)
				defer once() // a failed request must not leave the test waiting
				for range requests {
					getIdle(t, c, ts.URL+"/hello")
				}
				assert.Equal(t, 1, ghttp.OpenConns(tr), "this hub's connection, reused")
				once()
				ctx, cancel := context.WithTimeout(bg, 10*time.Second)
				defer cancel()
				_, err := receive(ctx, release) // the hub runs on: the closing can run
				return err
			}))
		}()
	}
	served.Wait()
	assert.Equal(t, int32(hubs), cc.opened.Load(), "one connection per hub")
	assert.Equal(t, hubs, ghttp.HubStates(tr))
	c.CloseIdleConnections()
	assert.Eventually(t, func() bool { return cc.closed.Load() == hubs }, 10*time.Second, ms,
		"the server saw %d of %d connections close", cc.closed.Load(), hubs)
	close(release)
	ended.Wait()

	require.NoError(t, scheduler.Main(func() error {
		getIdle(t, c, ts.URL+"/hello")
		assert.Equal(t, 1, ghttp.HubStates(tr), "the destroyed hubs' states were kept")
		return nil
	}))
	assert.Equal(t, 0, ghttp.HubStates(tr), "the end of a hub with an idle connection kept its state")
}
