package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
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

// idleWait waits on k in the calling greenlet of h with an idle watcher of
// h's loop, which fires once the loop has nothing else to do.
func idleWait(h *Hub, k *Waker) (int, error) {
	iw, err := h.Loop().NewIdle(func(_ *cev.Idle, rev int) { k.Fire(rev) })
	if err != nil {
		return 0, err
	}
	defer iw.Close()
	return h.Wait(bg, iw, k, "idle")
}

// A Waker kept across hubs follows the next hub once the one it was bound
// to is destroyed, as the primitives built on a Binding do: a second Main
// waits on the Waker the first one used. Before, Hub.Wait refused it with
// ErrNotGreenlet for good.
func TestWakerOfADestroyedHubIsTakenOverByTheNext(t *testing.T) {
	k := NewWaker()
	for run := range 2 {
		require.NoError(t, Main(func() error {
			rev, err := idleWait(CurrentHub(), k)
			assert.Equal(t, cev.EV_IDLE, rev, "run %d", run)
			return err
		}), "run %d", run)
	}
}

// A hub that takes over a Waker while the hub it was bound to is being
// destroyed waits until that Destroy returned: a greenlet killed in
// Hub.Wait on the Waker still writes to it on the dying hub's goroutine,
// and its defers may still use it. Here such a defer holds the dying hub's
// Destroy until the next hub's wait on the Waker either returned (it did
// not wait: the failure) or stalled that hub long enough for its blocking
// detector to report it (it waits for Destroy, as a Binding does).
func TestWakerTakenOverWhileItsHubIsDestroyed(t *testing.T) {
	k := NewWaker()
	var o takeover
	h1, wait := otherHub(t, func(h *Hub) error {
		Go(func() error {
			defer o.hold(nil)
			tw, err := h.Loop().NewTimer(3600, 0, func(_ *cev.Timer, rev int) { k.Fire(rev) })
			if err != nil {
				return err
			}
			defer tw.Close()
			_, err = h.Wait(bg, tw, k, "an hour")
			return err
		})
		return Sleep(bg, 0) // the greenlet waits on k; Main destroys the hub
	})
	defer wait()
	h2 := o.nextHub(t, h1)
	var rev int
	sawReleased, err := o.take(func() (err error) {
		rev, err = idleWait(h2, k)
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, cev.EV_IDLE, rev)
	assert.True(t, sawReleased, "the Waker was taken over while the last hub's Destroy ran")
	require.NoError(t, h2.Destroy())
}

// Get checks its caller before it looks at the waiter: a plain goroutine,
// or the hub greenlet, gets ErrNotGreenlet naming Waiter.Get even when a
// value is stored, and the value stays for the waiter's greenlet. Before,
// a stored value was returned to anyone: with the hub storing values
// meanwhile, -race reported it.
func TestWaiterGetWithAStoredValueChecksTheCallerFirst(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		w := NewWaiter("")
		h.RunCallback(func() { w.Switch(1) })
		require.NoError(t, Sleep(bg, 0))
		require.True(t, w.Ready())

		var hubErr error
		h.RunCallback(func() { _, hubErr = w.Get(bg) })
		require.NoError(t, Sleep(bg, 0))
		require.ErrorIs(t, hubErr, ErrNotGreenlet)

		busy := NewWaiter("")
		var got any
		var goErr error
		var asked, stop, done atomic.Bool
		go func() {
			defer done.Store(true)
			got, goErr = w.Get(bg)
			asked.Store(true)
			for !stop.Load() {
				_, _ = busy.Get(bg)
			}
		}()
		pollHub(t, asked.Load)
		require.ErrorIs(t, goErr, ErrNotGreenlet)
		assert.Contains(t, goErr.Error(), "Waiter.Get")
		assert.Nil(t, got)

		for i := range 100 {
			h.RunCallback(func() { busy.Switch(i) })
			require.NoError(t, Sleep(bg, 0))
		}
		stop.Store(true)
		pollHub(t, done.Load)
		v, err := w.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
	})
}

// SwitchEach called from a plain goroutine hands each waiter to Switch,
// which posts the wake-up, without reading the waiter first: the greenlet
// waiting on it writes that state on the hub's goroutine. Before, it read
// the waiting greenlet of each waiter before it looked where it ran: -race
// reported it.
func TestSwitchEachFromAGoroutineReadsNoWaiter(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var about atomic.Pointer[Waiter]
		var round atomic.Int64
		var stop, done atomic.Bool
		go func() {
			defer done.Store(true)
			for !stop.Load() {
				w := about.Swap(nil)
				if w == nil {
					runtime.Gosched()
					continue
				}
				sent := false
				h.SwitchEach(func() (*Waiter, any) {
					if sent {
						return nil, nil
					}
					sent = true
					return w, round.Load()
				})
			}
		}()
		defer func() {
			stop.Store(true)
			pollHub(t, done.Load)
		}()
		for i := range int64(20) {
			round.Store(i)
			w := NewWaiter("")
			g := Spawn(func() (any, error) {
				about.Store(w) // before Get writes the waiting greenlet
				return w.Get(bg)
			})
			v, err := g.Get(within(t, 10*time.Second))
			require.NoError(t, err)
			assert.Equal(t, i, v)
		}
	})
}

// takeover stages a hub taking an object over while the hub it was bound to
// is being destroyed. hold, deferred by a greenlet of the dying hub, keeps
// that hub's Destroy going until the next hub's take either returned (it
// did not wait for Destroy: the failure) or stalled that hub long enough
// for its blocking detector to report it (it waits, as a Binding does).
type takeover struct{ taking, stalled, returned, released atomic.Bool }

// hold waits as said (10 s at most), then runs then (if not nil) and lets
// Destroy go on.
func (o *takeover) hold(then func()) {
	deadline := time.Now().Add(10 * time.Second)
	for !(o.taking.Load() && (o.stalled.Load() || o.returned.Load())) && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if then != nil {
		then()
	}
	o.released.Store(true)
}

// nextHub makes the next hub, whose detector reports stalls to o, on the
// calling goroutine once dying (the hub being destroyed) is; the caller
// destroys it.
func (o *takeover) nextHub(t *testing.T, dying *Hub) *Hub {
	t.Helper()
	h, err := NewHub()
	require.NoError(t, err)
	h.SetErrorHandler(func(err error) {
		if errors.Is(err, ErrBlockingHub) {
			o.stalled.Store(true)
		}
	})
	h.SetBlockingThreshold(testThreshold)
	pollHub(t, dying.Destroyed)
	return h
}

// take runs the takeover, fn, on the next hub's greenlet and reports
// whether the dying hub's Destroy had gone on (hold returned) when fn
// returned, and fn's error.
func (o *takeover) take(fn func() error) (bool, error) {
	// The detector watches a greenlet the running loop resumed.
	if err := Sleep(bg, time.Millisecond); err != nil {
		return false, err
	}
	o.taking.Store(true)
	err := fn()
	released := o.released.Load()
	o.returned.Store(true)
	return released, err
}

// TryGet and Clear are gevent's value/successful()/exc_info and clear():
// TryGet reads what a Switch or Throw stored without taking it, Clear drops
// it, and both refuse a goroutine that is not a greenlet of the hub.
func TestWaiterTryGetAndClear(t *testing.T) {
	unbound := NewWaiter("")
	_, err := unbound.TryGet()
	require.ErrorIs(t, err, ErrNotReady)
	unbound.Switch("early")
	v, err := unbound.TryGet()
	require.NoError(t, err)
	assert.Equal(t, "early", v)
	require.NoError(t, unbound.Clear())
	_, err = unbound.TryGet()
	require.ErrorIs(t, err, ErrNotReady)

	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		w := NewWaiter("")
		_, err := w.TryGet()
		require.ErrorIs(t, err, ErrNotReady)
		assert.ErrorContains(t, err, "Waiter.TryGet")

		_, _ = h.RunCallback(func() { w.Switch(7) })
		require.NoError(t, Sleep(bg, 0))
		v, err := w.TryGet()
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		v, err = w.Get(bg)
		require.NoError(t, err, "TryGet took nothing")
		assert.Equal(t, 7, v)

		boom := errors.New("boom")
		_, _ = h.RunCallback(func() { w.Throw(boom) })
		require.NoError(t, Sleep(bg, 0))
		_, err = w.TryGet()
		require.ErrorIs(t, err, boom)
		require.NoError(t, w.Clear())
		_, err = w.TryGet()
		require.ErrorIs(t, err, ErrNotReady)
		ctx, cancel := context.WithTimeout(bg, 10*time.Millisecond)
		defer cancel()
		_, err = w.Get(ctx)
		require.ErrorIs(t, err, ErrTimeout, "Clear dropped the error: Get waits")

		done := make(chan error, 2)
		go func() {
			_, err := w.TryGet()
			done <- err
			done <- w.Clear()
		}()
		require.ErrorIs(t, <-done, ErrNotGreenlet)
		require.ErrorIs(t, <-done, ErrNotGreenlet)

		var nilW *Waiter
		_, err = nilW.TryGet()
		require.ErrorIs(t, err, ErrNilArgument)
		require.ErrorIs(t, nilW.Clear(), ErrNilArgument)
	})
}
