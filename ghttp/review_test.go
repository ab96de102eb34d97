package ghttp

import (
	"crypto/tls"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTLSQueueBusyWriteQueuesNothing: a write through a Transport connection's TLS queue while
// another greenlet's send waits on the socket fails with errConcurrentTLSWrite. It used to have
// crypto/tls queue its record first and then fail: the caller was told nothing was written
// while the other greenlet's send, which goes on while anything is queued, sent those bytes
// (a caller retrying would send them twice). Now nothing is queued and nothing goes out.
// Plain goroutines over net.Pipe: only the queue is under test, the sending greenlet is
// stood for by the sending flag.
func TestTLSQueueBusyWriteQueuesNothing(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	cc, sc := net.Pipe()
	defer cc.Close()
	defer sc.Close()
	server := tls.Server(sc, &tls.Config{Certificates: srv.TLS.Certificates})
	done := make(chan error, 1)
	go func() { done <- server.Handshake() }()
	tc, ts := newTLSClient(cc, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // a test certificate
	require.NoError(t, tc.Handshake())
	require.NoError(t, <-done)
	ts.queueing = true
	ts.sending = true // another greenlet's send waits on the socket
	n, err := ts.writeTLS([]byte("hello"))
	require.ErrorIs(t, err, errConcurrentTLSWrite)
	assert.Zero(t, n)
	assert.Empty(t, ts.queue, "a write reported as not done queued nothing")
}
