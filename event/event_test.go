package event_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

func TestEventWakesInOrder(t *testing.T) {
	run(t, func() error {
		var e event.Event
		var order []int
		for i := range 5 {
			scheduler.Go(func() error {
				err := e.Wait(bg)
				assert.NoError(t, err)
				order = append(order, i)
				return err
			})
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Set()
		assert.Empty(t, order, "Set must not switch")
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []int{0, 1, 2, 3, 4}, order)
		return nil
	})
}

func TestEventTimeoutAndKill(t *testing.T) {
	run(t, func() error {
		var e event.Event
		err := e.Wait(within(t, time.Millisecond))
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Zero(t, e.LinkCount(), "a wait that gave up unlinks")
		g := scheduler.Go(func() error { return e.Wait(bg) })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, g.Kill(bg, nil))
		assert.True(t, g.Successful())
		assert.Equal(t, 0, e.LinkCount(), "a killed waiter unlinks")
		return nil
	})
}

func TestEventSetFromGoroutine(t *testing.T) {
	run(t, func() error {
		var e event.Event
		h := scheduler.CurrentHub()
		release, _ := h.KeepAlive() // main of h: never refused
		defer release()
		// The greenlet runs once main waits in Wait: the goroutine's Set comes after.
		scheduler.Go(func() error {
			go e.Set()
			return nil
		})
		require.NoError(t, e.Wait(within(t, time.Second)))
		return nil
	})
}

func TestWaitFromForeignGoroutine(t *testing.T) {
	run(t, func() error {
		var e event.Event
		_ = e.Wait(within(t, 0)) // binds e to this hub
		errc := make(chan error)
		go func() { errc <- e.Wait(bg) }()
		assert.ErrorIs(t, <-errc, scheduler.ErrNotGreenlet)
		return nil
	})
}

func TestLoopExitWhenNobodySets(t *testing.T) {
	run(t, func() error {
		var e event.Event
		err := e.Wait(bg)
		assert.ErrorIs(t, err, scheduler.ErrLoopExit)
		return nil
	})
}

func TestSchedulerWaitOnEvents(t *testing.T) {
	run(t, func() error {
		var e1, e2 event.Event
		scheduler.SpawnLater(2*time.Millisecond, func() (int, error) { e1.Set(); return 0, nil })
		scheduler.SpawnLater(time.Millisecond, func() (int, error) { e2.Set(); return 0, nil })
		done, err := scheduler.Wait(bg, []scheduler.Linkable{&e1, &e2}, 1)
		require.NoError(t, err)
		require.Len(t, done, 1)
		assert.Same(t, &e2, done[0])
		return nil
	})
}

func ExampleEvent() {
	_ = scheduler.Main(func() error {
		var ready event.Event
		for _, name := range []string{"a", "b"} {
			scheduler.Go(func() error {
				err := ready.Wait(bg)
				fmt.Println(name, "woke")
				return err
			})
		}
		_ = scheduler.Sleep(bg, 0)
		ready.Set()
		fmt.Println("set")
		return scheduler.Sleep(bg, 0)
	})
	// Output:
	// set
	// a woke
	// b woke
}

// TestWaitOnSetEventIgnoresADoneContext: Wait on an event (and an
// AsyncResult) that is set returns nil whatever ctx, as gevent's wait on a
// set event returns True whatever its timeout; while the notification round
// is pending it still wakes after the greenlets that blocked. Before, a
// context already cancelled or past its deadline made it return that
// context's error while the event was set, though only when some greenlet
// had blocked on it (a pending round).
func TestWaitOnSetEventIgnoresADoneContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	expired, cancel2 := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel2()
	for name, ctx := range map[string]context.Context{"cancelled": cancelled, "expired": expired} {
		run(t, func() error {
			var e event.Event
			var a event.AsyncResult[int]
			var order []string
			waiter := func(name string, wait func(context.Context) error) {
				scheduler.Go(func() error {
					err := wait(bg)
					order = append(order, name)
					return err
				})
			}
			waiter("event waiter", e.Wait)
			waiter("result waiter", a.Wait)
			require.NoError(t, scheduler.Sleep(bg, 0))
			e.Set()
			a.Set(1)
			require.NoError(t, e.Wait(ctx), "Event.Wait on a set event, %s", name)
			order = append(order, "event")
			require.NoError(t, a.Wait(ctx), "AsyncResult.Wait on a set result, %s", name)
			order = append(order, "result")
			assert.Equal(t, []string{"event waiter", "event", "result waiter", "result"}, order, name)
			return nil
		})
	}
}
