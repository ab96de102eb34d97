package ghttp_test

import (
	"crypto/tls"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// handshakeNames is a TLS configuration whose GetConfigForClient, which crypto/tls calls
// during the handshake, records the name of the greenlet it runs in.
type handshakeNames struct {
	mu    sync.Mutex
	names []string
}

func (hn *handshakeNames) config(t *testing.T) *tls.Config {
	base := serverTLS(t)
	return &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		name := "not a greenlet"
		if g := scheduler.GetCurrent(); g != nil {
			name = g.Name()
		}
		hn.mu.Lock()
		hn.names = append(hn.names, name)
		hn.mu.Unlock()
		return base, nil
	}}
}

func (hn *handshakeNames) get() []string {
	hn.mu.Lock()
	defer hn.mu.Unlock()
	return append([]string(nil), hn.names...)
}

// stallHandshake connects to addr and sends the start of a TLS record, then nothing.
func stallHandshake(t *testing.T, addr string) net.Conn {
	c := netConnDial(t, addr)
	_, err := c.Write([]byte{0x16, 0x03, 0x01})
	require.NoError(t, err)
	return c
}

// TestTLSHandshakeRunsInTheConnectionsGreenlet: the handshake runs in the connection's
// greenlet ("ghttp conn <address>"), not in the accept loop, so a client that never finishes
// its handshake holds its own greenlet only and the others are served (no timeout is set: the
// stall lasts as long as the test).
func TestTLSHandshakeRunsInTheConnectionsGreenlet(t *testing.T) {
	var hn handshakeNames
	srv := &ghttp.Server{
		TLSConfig: hn.config(t),
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("served")) }),
	}
	hs := startServer(t, srv, true)
	stallHandshake(t, hs.Addr)
	code, body := get(t, netClient(t), "https://"+hs.Addr+"/")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "served", body)
	names := hn.get()
	if assert.Len(t, names, 1, "the stalled client never sent its hello") {
		assert.True(t, strings.HasPrefix(names[0], "ghttp conn 127.0.0.1:"), names[0])
	}
	require.NoError(t, hs.Run(srv.Close)) // the stalled handshake ends with its connection
}

// TestTLSHandshakeTimeoutEndsAStalledClient: the handshake is bounded by the shortest of the
// read and write timeouts and its end is logged in net/http's words.
func TestTLSHandshakeTimeoutEndsAStalledClient(t *testing.T) {
	var logs logBuffer
	srv := &ghttp.Server{TLSConfig: serverTLS(t), ReadTimeout: time.Hour, ReadHeaderTimeout: 50 * ms, ErrorLog: log.New(&logs, "", 0)}
	hs := startServer(t, srv, true)
	c := stallHandshake(t, hs.Addr)
	waitFor(t, "the stalled handshake's end", func() bool { return strings.Contains(logs.String(), "TLS handshake error") })
	assert.Contains(t, logs.String(), "http: TLS handshake error from "+c.LocalAddr().String()+": ")
	assert.Contains(t, logs.String(), "timeout")
}
