package socket_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// TestDialFromAnotherHubsGreenletNamesTheDialOnce: a dial from a greenlet of another hub than
// the Dialer's waits in scheduler.RunBlocking; when its ctx ends (on entry, or while the lookup
// waits) the error is the *net.OpError naming "dial" that wraps scheduler.ContextError's error,
// as from the Dialer's own hub, not RunBlocking's error wrapped again ('dial tcp: scheduler:
// RunBlocking: context canceled').
func TestDialFromAnotherHubsGreenletNamesTheDialOnce(t *testing.T) {
	stubLookup(t)
	hA, _ := hubOnGoroutine(t)
	run(t, func() error {
		d := socket.Dialer{Hub: hA}
		done, cancelDone := context.WithCancel(bg)
		cancelDone()
		during, cancel := context.WithCancel(bg)
		defer cancel()
		scheduler.Go(func() error { cancel(); return nil }) // runs once the dial waits
		for _, c := range []struct {
			name string
			ctx  context.Context
		}{{"on entry", done}, {"during the wait", during}} {
			name, ctx := c.name, c.ctx
			_, err := d.DialContext(ctx, "tcp", "slow.invalid:80")
			var oe *net.OpError
			if assert.True(t, errors.As(err, &oe), "%s: %v", name, err) {
				assert.Equal(t, "dial", oe.Op, name)
				assert.Equal(t, scheduler.ContextError(ctx), oe.Err, "%s: %v", name, err)
			}
			assert.ErrorIs(t, err, context.Canceled, name)
			assert.EqualError(t, err, "dial tcp: context canceled", name)
		}
		return nil
	})
}
