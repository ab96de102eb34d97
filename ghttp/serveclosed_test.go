package ghttp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// Serve's error after Shutdown names the package once ("ghttp: Server.Serve: server closed"; it
// read "ghttp: Server.Serve: http: Server closed", net/http's prefix inside ghttp's) and
// matches http.ErrServerClosed, ErrServerClosed and scheduler.ErrClosed with errors.Is, though
// it is none of them by identity.
func TestServeErrorAfterShutdown(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := &ghttp.Server{Handler: http.NotFoundHandler()}
		served := scheduler.Spawn(func() (error, error) { return srv.Serve(ln), nil })
		require.NoError(t, scheduler.Sleep(bg, 0)) // Serve is accepting
		require.NoError(t, srv.Shutdown(context.Background()))
		err, _ = served.Get(bg)
		assert.EqualError(t, err, "ghttp: Server.Serve: server closed")
		for _, target := range []error{http.ErrServerClosed, ghttp.ErrServerClosed, scheduler.ErrClosed} {
			assert.ErrorIs(t, err, target)
		}
		// Not by identity: the doc warns that err != http.ErrServerClosed does not catch it.
		assert.False(t, err == http.ErrServerClosed || errors.Unwrap(err) == http.ErrServerClosed)
		return nil
	}))
}
