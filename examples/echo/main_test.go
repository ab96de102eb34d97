package main

import (
	"bufio"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/gsignal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEchoServesAndStopsOnSignal(t *testing.T) {
	addrs := make(chan string, 2)
	done := make(chan error, 1)
	go func() { done <- serve("127.0.0.1:0", 1, func(a string) { addrs <- a }) }()
	addr := <-addrs
	// A plain Go client on its own goroutine: the server only needs the loopback.
	c, err := net.DialTimeout("tcp", addr, time.Second)
	require.NoError(t, err)
	_, err = c.Write([]byte("hello\n"))
	require.NoError(t, err)
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "hello\n", line)
	require.NoError(t, c.Close())
	require.NoError(t, gsignal.Self(syscall.SIGTERM))
	select {
	case err := <-done:
		assert.ErrorIs(t, err, gsignal.ErrInterrupted)
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
}
