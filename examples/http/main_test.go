package main

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/gsignal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// run starts the example on a goroutine and returns its address and its outcome.
func run(t *testing.T, timeout time.Duration) (string, chan error) {
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve("127.0.0.1:0", nil, timeout, func(a string) { addrs <- a }, nil) }()
	select {
	case a := <-addrs:
		return a, done
	case err := <-done:
		t.Fatal(err)
	}
	return "", nil
}

// getPage GETs the example's page with net/http's client, from this goroutine.
func getPage(t *testing.T, addr string) string {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("http://" + addr + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// stop sends SIGTERM and waits for the example to end.
func stop(t *testing.T, done chan error) {
	require.NoError(t, gsignal.Self(syscall.SIGTERM))
	select {
	case err := <-done:
		assert.ErrorIs(t, err, gsignal.ErrInterrupted)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop on SIGTERM")
	}
}

func TestPageShowsBothBackends(t *testing.T) {
	addr, done := run(t, 5*time.Second)
	body := getPage(t, addr)
	assert.Contains(t, body, ": answered after 10ms\n")
	assert.Contains(t, body, ": answered after 50ms\n")
	stop(t, done)
}

func TestPageReportsASlowBackend(t *testing.T) {
	// The slow backend sleeps 50 ms: it cannot make a 30 ms deadline, however loaded the
	// machine.
	addr, done := run(t, 30*time.Millisecond)
	body := getPage(t, addr)
	assert.Contains(t, body, ": no answer within 30ms\n")
	stop(t, done)
}

func TestOnceFetchesThePageAndReturns(t *testing.T) {
	pages := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve("127.0.0.1:0", nil, 5*time.Second, func(string) {}, func(p string) { pages <- p })
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("-once did not return")
	}
	page := <-pages
	assert.Contains(t, page, ": answered after 10ms\n")
	assert.Contains(t, page, ": answered after 50ms\n")
}
