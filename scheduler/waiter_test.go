package scheduler

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSwitchEach: on the hub, SwitchEach wakes the waiters next returns in
// order, each with its value, running each woken greenlet until it blocks
// again before asking next for the following waiter; a waiter nobody waits
// on keeps the value for its next Get. From a greenlet it defers the
// wake-ups to hub callbacks, as Switch does.
func TestSwitchEach(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		ws := []*Waiter{NewWaiter(""), NewWaiter(""), NewWaiter("")}
		for i, w := range ws[:2] {
			Go(func() error {
				v, err := w.Get(bg)
				trace = append(trace, fmt.Sprintf("woke %d with %v", i, v))
				return err
			})
		}
		require.NoError(t, Sleep(bg, 0))
		i := 0
		next := func() (*Waiter, any) {
			if i == len(ws) {
				return nil, nil
			}
			trace = append(trace, fmt.Sprintf("next %d", i))
			i++
			return ws[i-1], i * 10
		}
		h.RunCallback(func() { h.SwitchEach(next) })
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []string{"next 0", "woke 0 with 10", "next 1", "woke 1 with 20", "next 2"}, trace)
		v, err := ws[2].Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 30, v)

		// From a greenlet (here main): deferred to callbacks.
		w := NewWaiter("")
		var got any
		Go(func() error {
			var err error
			got, err = w.Get(bg)
			return err
		})
		require.NoError(t, Sleep(bg, 0))
		sent := false
		h.SwitchEach(func() (*Waiter, any) {
			if sent {
				return nil, nil
			}
			sent = true
			return w, "later"
		})
		assert.Nil(t, got)
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, "later", got)
	})
}

// Hub.Wait given a Waker bound to another hub, or a watcher made on another
// hub's loop, refuses it as every call refuses another hub's object:
// ErrNotGreenlet, naming Hub.Wait. Before, the foreign Waker was reported as
// ErrConcurrentUse, and the foreign watcher was started on a loop another
// goroutine runs.
func TestHubWaitRefusesAWakerOrWatcherOfAnotherHub(t *testing.T) {
	k := NewWaker()
	watchers := make(chan cev.Watcher, 1)
	release := make(chan struct{})
	_, wait := otherHub(t, func(h *Hub) error {
		iw, err := h.Loop().NewIdle(func(_ *cev.Idle, rev int) { k.Fire(rev) })
		if err != nil {
			return err
		}
		defer iw.Close()
		if _, err := h.Wait(bg, iw, k, "idle"); err != nil { // binds k to h
			return err
		}
		watchers <- iw
		_, err = RunBlocking(bg, func() (struct{}, error) {
			<-release
			return struct{}{}, nil
		})
		return err
	})
	defer wait()
	defer close(release)
	foreign := <-watchers
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		mine, err := h.Loop().NewIdle(func(_ *cev.Idle, rev int) { k.Fire(rev) })
		require.NoError(t, err)
		defer mine.Close()

		_, err = h.Wait(within(t, time.Second), mine, k, "")
		require.ErrorIs(t, err, ErrNotGreenlet)
		assert.NotErrorIs(t, err, ErrConcurrentUse)
		assert.Contains(t, err.Error(), "Hub.Wait")
		assert.False(t, mine.IsActive(), "nothing was started")

		_, err = h.Wait(within(t, time.Second), foreign, NewWaker(), "")
		require.ErrorIs(t, err, ErrNotGreenlet)
		assert.Contains(t, err.Error(), "Hub.Wait")
	})
}
