package scheduler

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSleepTimerOrder(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []int
		var gs []*Greenlet[struct{}]
		for _, ms := range []int{30, 10, 20} {
			gs = append(gs, Go(func() error {
				if err := Sleep(bg, time.Duration(ms)*time.Millisecond); err != nil {
					return err
				}
				trace = append(trace, ms)
				return nil
			}))
		}
		_, err := JoinAll(bg, gs)
		require.NoError(t, err)
		assert.Equal(t, []int{10, 20, 30}, trace)
	})
}

func TestSleep0RoundRobin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		var gs []*Greenlet[struct{}]
		for _, name := range []string{"a", "b", "c"} {
			gs = append(gs, Go(func() error {
				for i := range 3 {
					trace = append(trace, fmt.Sprint(name, i))
					if err := Sleep(bg, 0); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		_, err := JoinAll(bg, gs)
		require.NoError(t, err)
		assert.Equal(t, []string{"a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"}, trace)
	})
}

func TestIdle(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		Go(func() error {
			for i := range 3 {
				trace = append(trace, fmt.Sprint("yield", i))
				if err := Sleep(bg, 0); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, Idle(bg, 0))
		trace = append(trace, "idle")
		assert.Equal(t, []string{"yield0", "yield1", "yield2", "idle"}, trace)
	})
}

// SleepUnref is gevent's sleep(ref=False): a background greenlet sleeping
// in a loop with it does not keep the loop alive, so main, waiting on
// something nothing will deliver, gets LoopExit instead of hanging; the
// report names the sleeper too. With Sleep the same program waits for good
// (here until the test's safety net delivers the wake-up after 5 s).
func TestSleepUnrefLetsTheLoopRunDry(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		beats := 0
		heartbeat := Go(func() error {
			for {
				if err := SleepUnref(bg, time.Millisecond); err != nil {
					return err
				}
				beats++
			}
		})
		heartbeat.SetName("heartbeat")
		w := NewWaiter("never")
		safety := time.AfterFunc(5*time.Second, func() { _ = h.Post(func() { w.Switch(nil) }) })
		defer safety.Stop()
		_, err := w.Get(bg)
		require.ErrorIs(t, err, ErrLoopExit, "the unref'd sleeps kept the loop alive")
		assert.Contains(t, err.Error(), "heartbeat waiting on sleep")

		// With something else keeping the loop alive, the unref'd sleeper runs
		// as any: it beats while main sleeps.
		require.NoError(t, Sleep(bg, 30*time.Millisecond))
		assert.Positive(t, beats, "the heartbeat never woke while main slept")
		heartbeat.KillAsync(nil)
	})
}

// An unref'd sleep that ends early (a Kill) gives its count back: the loop
// is then kept alive exactly by what keeps it alive otherwise.
func TestSleepUnrefKilledKeepsTheCount(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		before := h.Loop().ActiveCount()
		g := Go(func() error { return SleepUnref(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, g.Kill(within(t, 5*time.Second), nil))
		assert.Equal(t, before, h.Loop().ActiveCount())
	})
}

// A background loop is usually stopped by cancelling its ctx: SleepUnref
// with a ctx that can be cancelled (and has no deadline) keeps the loop
// alive no more than with Background, and the cancel still ends the sleep.
// It used to hold the loop as any cancellable wait does, so main waited
// until the test's safety net (5 s) instead of getting LoopExit.
func TestSleepUnrefCancellableCtxLetsTheLoopRunDry(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		before := h.Loop().ActiveCount()
		heartbeat := Go(func() error {
			for {
				if err := SleepUnref(ctx, time.Millisecond); err != nil {
					return err
				}
			}
		})
		w := NewWaiter("never")
		safety := time.AfterFunc(5*time.Second, func() { _ = h.Post(func() { w.Switch(nil) }) })
		defer safety.Stop()
		_, err := w.Get(bg)
		require.ErrorIs(t, err, ErrLoopExit, "the cancellable ctx kept the loop alive")

		cancel()
		_, err = heartbeat.Get(within(t, 5*time.Second))
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, before, h.Loop().ActiveCount())
	})
}
