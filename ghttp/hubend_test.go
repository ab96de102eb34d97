package ghttp_test

import (
	"bytes"
	"context"
	"log"
	"net"
	"net/http"
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
