package socket

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
)

// TestAcceptBackOffBounds: ListenConfig.AcceptMinDelay and AcceptMaxDelay bound the back-off of
// an Accept that ran out of descriptors: accept4 failing with EMFILE four times sees the
// listener sleep 1, 2, 4 and 4 ms (the defaults slept 10, 20, 40 and 80 ms), and the accept
// that succeeds ends the streak. Each failure goes to the hub's error handler, as gevent's
// server reports each.
func TestAcceptBackOffBounds(t *testing.T) {
	real := sysAccept4
	defer func() { sysAccept4 = real }()
	require.NoError(t, scheduler.Main(func() error {
		var reported []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) {
			if !errors.Is(err, scheduler.ErrBlockingHub) {
				reported = append(reported, err)
			}
		})
		lc := ListenConfig{AcceptMinDelay: time.Millisecond, AcceptMaxDelay: 4 * time.Millisecond}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		var slept []time.Duration // the back-off in force at each accept4
		fails := 4
		sysAccept4 = func(fd, flags int) (int, syscall.Sockaddr, error) {
			slept = append(slept, time.Duration(ln.delay.Load()))
			if fails > 0 {
				fails--
				return -1, nil, syscall.EMFILE
			}
			return real(fd, flags)
		}
		c, err := net.Dial("tcp", ln.Addr().String()) // connect completes in the backlog
		require.NoError(t, err)
		defer c.Close()
		sc, err := ln.AcceptConn()
		require.NoError(t, err)
		ms := time.Millisecond
		assert.Equal(t, []time.Duration{0, ms, 2 * ms, 4 * ms, 4 * ms}, slept)
		assert.Zero(t, ln.delay.Load(), "the accepted connection ends the streak")
		require.Len(t, reported, 4, "one report per failure")
		for _, err := range reported {
			assert.ErrorIs(t, err, syscall.EMFILE)
		}
		return sc.Close()
	}))
}

// TestAcceptDelaysDefaults: a zero bound takes its default, or the other bound when that is set
// and crosses it; a negative bound, or a minimum above a set maximum, fails Listen with an error
// matching syscall.EINVAL that names the field.
func TestAcceptDelaysDefaults(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		lc       ListenConfig
		min, max time.Duration
	}{
		{ListenConfig{}, 10 * ms, time.Second},
		{ListenConfig{AcceptMaxDelay: 5 * ms}, 5 * ms, 5 * ms},
		{ListenConfig{AcceptMaxDelay: 50 * ms}, 10 * ms, 50 * ms},
		{ListenConfig{AcceptMinDelay: 2 * time.Second}, 2 * time.Second, 2 * time.Second},
		{ListenConfig{AcceptMinDelay: 3 * ms, AcceptMaxDelay: 3 * ms}, 3 * ms, 3 * ms},
	} {
		lo, hi, err := c.lc.acceptDelays()
		require.NoError(t, err, "%+v", c.lc)
		assert.Equal(t, [2]time.Duration{c.min, c.max}, [2]time.Duration{lo, hi}, "%+v", c.lc)
	}
	require.NoError(t, scheduler.Main(func() error {
		for field, lc := range map[string]ListenConfig{
			"AcceptMinDelay -1ns is negative":                      {AcceptMinDelay: -1},
			"AcceptMaxDelay -1ns is negative":                      {AcceptMaxDelay: -1},
			"AcceptMinDelay 2ms is longer than AcceptMaxDelay 1ms": {AcceptMinDelay: 2 * ms, AcceptMaxDelay: ms},
		} {
			ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
			assert.Nil(t, ln)
			assert.ErrorIs(t, err, syscall.EINVAL)
			assert.ErrorContains(t, err, field)
			var oe *net.OpError
			if assert.ErrorAs(t, err, &oe) {
				assert.Equal(t, "listen", oe.Op)
			}
		}
		return nil
	}))
}
