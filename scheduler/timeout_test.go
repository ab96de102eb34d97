package scheduler

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimeoutForms(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		outer := startTimeout(t, 50*time.Millisecond)
		inner := startTimeout(t, 5*time.Millisecond)
		assert.True(t, inner.Pending())
		err := Sleep(bg, time.Second)
		assert.ErrorIs(t, err, inner)
		assert.NotErrorIs(t, err, outer)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, inner.Pending())
		assert.True(t, inner.Fired())
		outer.Cancel()
		assert.False(t, outer.Pending())

		errSlow := errors.New("slow")
		tc := startTimeoutErr(t, time.Millisecond, errSlow)
		err = Sleep(bg, time.Second)
		assert.ErrorIs(t, err, errSlow)
		tc.Cancel()

		never := startTimeout(t, -1)
		assert.False(t, never.Pending())
		require.NoError(t, Sleep(bg, time.Millisecond))
		never.Cancel()

		// Restart after firing; Start of a pending timeout is an error.
		re := NewTimeout(time.Millisecond, nil)
		require.NoError(t, re.Start())
		assert.ErrorIs(t, re.Start(), ErrTimeoutPending)
		assert.ErrorIs(t, Sleep(bg, time.Second), re)
		require.NoError(t, re.Start())
		re.Cancel()

		// Timeout(0) does not fire at a Sleep(bg, 0), only at a real block.
		z := startTimeout(t, 0)
		require.NoError(t, Sleep(bg, 0))
		assert.ErrorIs(t, Sleep(bg, 10*time.Millisecond), z)

		v, err := WithTimeout(time.Millisecond, func() (int, error) {
			return 1, Sleep(bg, time.Second)
		})
		assert.ErrorIs(t, err, ErrTimeout)
		assert.Zero(t, v)
		v, err = WithTimeout(time.Second, func() (int, error) { return 2, nil })
		require.NoError(t, err)
		assert.Equal(t, 2, v)

		// A timeout fires only in the greenlet that started it.
		g := Spawn(func() (string, error) {
			to := startTimeout(t, time.Millisecond)
			defer to.Cancel()
			err := Sleep(bg, time.Second)
			if errors.Is(err, to) {
				return "timed out", nil
			}
			return "", err
		})
		s, err := g.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "timed out", s)
	})
}

// A Timeout a Link callback leaves armed must not fire into the idle worker
// that ran the callback: that ends the worker while it sits in the pool,
// and the next Spawn handed to it never runs.
func TestTimeoutLeftArmedByLinkDoesNotKillIdleWorker(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		g := Go(func() error { return nil })
		g.Link(func(Linkable) { _ = NewTimeout(10*time.Millisecond, nil).Start() })
		require.NoError(t, g.Join(bg))
		require.NoError(t, Sleep(bg, 40*time.Millisecond)) // the timeout fires
		v, err := Spawn(func() (int, error) { return 7, nil }).Get(within(t, time.Second))
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		assert.Empty(t, errs.String())
	})
}

// ... nor into a later Link callback that reuses the worker.
func TestTimeoutLeftArmedByLinkDoesNotFireIntoNextLink(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return nil })
		g.Link(func(Linkable) { _ = NewTimeout(20*time.Millisecond, nil).Start() })
		require.NoError(t, g.Join(bg))
		require.NoError(t, Sleep(bg, 0))
		g2 := Go(func() error { return nil })
		var got error
		done := false
		g2.Link(func(Linkable) {
			got = Sleep(bg, 100*time.Millisecond)
			done = true
		})
		pollHub(t, func() bool { return done })
		assert.NoError(t, got, "a Timeout of an earlier link must not fire into this one")
	})
}

// A Timeout started inside a Link callback still fires there.
func TestTimeoutInsideLinkFires(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return nil })
		var got error
		done := false
		g.Link(func(Linkable) {
			to := startTimeout(t, 10*time.Millisecond)
			defer to.Cancel()
			got = Sleep(bg, time.Second)
			done = true
		})
		pollHub(t, func() bool { return done })
		assert.ErrorIs(t, got, ErrTimeout)
	})
}

// Cancel from a goroutine that is not a greenlet of the timeout's hub must
// not touch the hub's loop, which runs on another thread: it changes
// nothing, and Close says why.
func TestTimeoutCancelFromForeignGoroutineChangesNothing(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		to := startTimeout(t, time.Hour)
		var closeErr error
		var done atomic.Bool
		go func() {
			to.Cancel()
			closeErr = to.Close()
			done.Store(true)
		}()
		pollHub(t, done.Load)
		assert.ErrorIs(t, closeErr, ErrNotGreenlet)
		assert.True(t, to.Pending(), "a foreign Cancel disarmed the timer")
		to.Cancel()
		assert.False(t, to.Pending())
	})
}

// A timeout left armed when its hub is destroyed can never fire: it is not
// pending any more, and a greenlet of the goroutine's next hub may start
// it again.
func TestTimeoutArmedAtDestroyRestartsOnNextHub(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	to := startTimeout(t, time.Millisecond) // no loop iteration runs it
	require.NoError(t, h.Destroy())
	assert.False(t, to.Pending(), "the timer went with the hub's loop")
	withHub(t, func(*Hub, *bytes.Buffer) {
		require.NoError(t, to.Start())
		assert.True(t, to.Pending())
		assert.ErrorIs(t, Sleep(bg, time.Second), to)
	})
	to.Cancel()
}

// Destroy ends the run of a timeout still armed, whose timer goes with the
// loop: its Context, made before or after, is done with a cause matching
// ErrHubDestroyed and naming Hub.Destroy, and the timeout lets go of the
// greenlet that started it. A Cancel afterwards changes nothing. Before,
// the Context stayed live for good, and the timeout kept the greenlet's
// worker and task reachable until its next Start.
func TestDestroyEndsTheRunOfAnArmedTimeout(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	before := NewTimeout(time.Hour, nil)
	var after *Timeout
	var made context.Context
	g := Go(func() error {
		require.NoError(t, before.Start())
		made = before.Context()
		after = startTimeout(t, time.Hour)
		return Sleep(bg, time.Hour)
	})
	require.NoError(t, Sleep(bg, 0)) // g starts both and sleeps
	require.True(t, before.Pending())
	require.NoError(t, h.Destroy())
	require.NoError(t, g.Join(bg))
	for _, ctx := range []context.Context{made, after.Context()} {
		select {
		case <-ctx.Done():
		default:
			t.Fatal("the Context of a timeout armed at Destroy is not done")
		}
		cause := context.Cause(ctx)
		assert.ErrorIs(t, cause, ErrHubDestroyed)
		var e *Error
		require.ErrorAs(t, cause, &e)
		assert.Equal(t, "Hub.Destroy", e.Op)
	}
	for _, to := range []*Timeout{before, after} {
		assert.False(t, to.Pending())
		assert.False(t, to.Fired())
		assert.Nil(t, to.target, "the timeout holds the greenlet that started it")
		assert.Nil(t, to.task)
		assert.Nil(t, to.timer)
		to.Cancel()
		assert.ErrorIs(t, context.Cause(to.Context()), ErrHubDestroyed, "a Cancel after Destroy changed the ended run")
	}
	assert.Nil(t, h.armed)
}

// The hub's list of armed timeouts, which Destroy ends, follows Start,
// Cancel and fire, wherever in the list the timeout is: a cancelled or
// fired timeout leaves it (the hub does not hold it until Destroy, and its
// next Start links it once), and Destroy ends the runs of those still
// armed only. TestDestroyEndsTheRunOfAnArmedTimeout pins Destroy's end of
// an armed run; this pins the list, which nothing else checks: a Cancel or
// fire that left the timeout listed, or an unlink that broke the links,
// passed every other test.
func TestArmedTimeoutsListFollowsStartCancelAndFire(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			h.armed = nil // a broken list must not hang Destroy
			_ = h.Destroy()
		}
	})
	// armed walks the list, checking each back link, for at most 10 steps.
	armed := func() []*Timeout {
		var got []*Timeout
		var prev *Timeout
		for to := h.armed; to != nil; to = to.next {
			require.Less(t, len(got), 10, "the armed list loops")
			require.Same(t, prev, to.prev, "a broken back link")
			got, prev = append(got, to), to
		}
		return got
	}
	a, b, c, d := startTimeout(t, time.Hour), startTimeout(t, time.Hour), startTimeout(t, time.Hour), startTimeout(t, time.Hour)
	require.ElementsMatch(t, []*Timeout{a, b, c, d}, armed())
	b.Cancel() // within the list
	d.Cancel() // its head
	a.Cancel() // its tail
	require.ElementsMatch(t, []*Timeout{c}, armed())
	require.NoError(t, b.Start())
	require.NoError(t, d.Start())
	require.ElementsMatch(t, []*Timeout{b, c, d}, armed())
	d.Cancel()
	require.NoError(t, d.Start())
	d.Cancel()
	// e fires, from the hub greenlet where it raises nothing, between b and c.
	e := NewTimeout(0, nil)
	_, err = h.RunCallback(func() { require.NoError(t, e.Start()) })
	require.NoError(t, err)
	pollHub(t, e.Fired)
	require.ElementsMatch(t, []*Timeout{b, c}, armed())
	_, err = h.RunCallback(func() { require.NoError(t, e.Start()) }) // again, after its fire
	require.NoError(t, err)
	pollHub(t, e.Fired)
	require.ElementsMatch(t, []*Timeout{b, c}, armed())
	destroyed = true
	require.NoError(t, h.Destroy())
	assert.Nil(t, h.armed)
	for _, to := range []*Timeout{b, c} {
		assert.ErrorIs(t, context.Cause(to.Context()), ErrHubDestroyed)
	}
	for _, to := range []*Timeout{a, d} {
		assert.ErrorIs(t, context.Cause(to.Context()), context.Canceled)
	}
	assert.ErrorIs(t, context.Cause(e.Context()), e)
}

// A timeout of a hub being destroyed stays that hub's until its Destroy
// returned: the dying greenlets' defers may still cancel it. Meanwhile a
// Close from another hub is refused, and a Start there waits for that
// Destroy, as a Binding's takeover does. Here such a defer holds the dying
// hub's Destroy until the next hub's Start either returned (it did not
// wait: the failure) or stalled that hub long enough for its blocking
// detector to report it. Before, both went ahead at once.
func TestTimeoutTakenOverWhileItsHubIsDestroyed(t *testing.T) {
	var to *Timeout
	var o takeover
	h1, wait := otherHub(t, func(*Hub) error {
		to = startTimeout(t, time.Hour)
		Go(func() error {
			defer o.hold(func() { to.Cancel() })
			return Sleep(bg, time.Hour)
		})
		return Sleep(bg, 0) // the greenlet sleeps; Main destroys the hub
	})
	defer wait()
	h2 := o.nextHub(t, h1)
	assert.ErrorIs(t, to.Close(), ErrNotGreenlet, "the dying hub's timeout was cancelled from another hub")
	sawReleased, err := o.take(to.Start)
	require.NoError(t, err)
	assert.True(t, sawReleased, "the timeout was taken over while the last hub's Destroy ran")
	assert.True(t, to.Pending(), "armed on this hub")
	require.NoError(t, to.Close())
	assert.False(t, to.Pending())
	require.NoError(t, h2.Destroy())
}

// A timeout started again after it fired or was cancelled gives a Context
// for the new run: not one already done with the last run's outcome.
func TestTimeoutContextFollowsRestart(t *testing.T) {
	withHub(t, func(*Hub, *bytes.Buffer) {
		to := NewTimeout(time.Millisecond, nil)
		require.NoError(t, to.Start())
		first := to.Context()
		assert.ErrorIs(t, Sleep(bg, time.Second), to)
		assert.ErrorIs(t, context.Cause(first), to)

		require.NoError(t, to.Start())
		ctx := to.Context()
		require.NoError(t, ctx.Err(), "the restarted timeout's context is done already")
		assert.ErrorIs(t, Sleep(bg, time.Second), to)
		assert.ErrorIs(t, context.Cause(ctx), to)

		to = NewTimeout(time.Millisecond, nil)
		require.NoError(t, to.Start())
		cancelled := to.Context()
		to.Cancel() // before the loop ran its timer
		assert.ErrorIs(t, cancelled.Err(), context.Canceled)
		require.NoError(t, to.Start())
		ctx = to.Context()
		require.NoError(t, ctx.Err(), "the restarted timeout's context is done already")
		assert.ErrorIs(t, Sleep(bg, time.Second), to)
		assert.ErrorIs(t, context.Cause(ctx), to)
	})
}

// A Start refused to a goroutine that is not a greenlet of the timeout's
// hub changes nothing: the fired timeout stays fired, its Context done.
func TestTimeoutStartRefusedChangesNothing(t *testing.T) {
	withHub(t, func(*Hub, *bytes.Buffer) {
		to := NewTimeout(time.Millisecond, nil)
		require.NoError(t, to.Start())
		ctx := to.Context()
		assert.ErrorIs(t, Sleep(bg, time.Second), to)
		var startErr error
		var done atomic.Bool
		go func() {
			startErr = to.Start()
			done.Store(true)
		}()
		pollHub(t, done.Load)
		assert.ErrorIs(t, startErr, ErrNotGreenlet)
		assert.True(t, to.Fired())
		assert.Same(t, ctx, to.Context())
	})
}

// Start from a goroutine that is not a greenlet of the timeout's hub is
// refused before it reads or resets anything: a never-firing (negative)
// timeout keeps its cancelled Context, and a pending one is refused as not
// the caller's, not reported pending. Before, a negative timeout's Start
// reset its state from any goroutine, and Start read a pending timeout's
// timer before the check: with the hub restarting both meanwhile, -race
// reported it.
func TestTimeoutStartFromAGoroutineIsRefusedFirst(t *testing.T) {
	withHub(t, func(*Hub, *bytes.Buffer) {
		never := NewTimeout(-1, nil)
		require.NoError(t, never.Start())
		never.Cancel()
		cancelled := never.Context()
		require.ErrorIs(t, cancelled.Err(), context.Canceled)
		pending := startTimeout(t, time.Hour)
		defer pending.Cancel()

		var neverErr, pendingErr error
		var asked, stop, done atomic.Bool
		go func() {
			defer done.Store(true)
			neverErr = never.Start()
			pendingErr = pending.Start()
			asked.Store(true)
			for !stop.Load() {
				_ = never.Start()
				_ = pending.Start()
			}
		}()
		pollHub(t, asked.Load)
		require.ErrorIs(t, neverErr, ErrNotGreenlet)
		assert.Contains(t, neverErr.Error(), "Timeout.Start")
		require.ErrorIs(t, pendingErr, ErrNotGreenlet)
		assert.NotErrorIs(t, pendingErr, ErrTimeoutPending)
		assert.Same(t, cancelled, never.Context(), "the refused Start began a new run")
		assert.True(t, pending.Pending())

		for range 100 {
			require.NoError(t, never.Start())
			never.Cancel()
			pending.Cancel()
			require.NoError(t, pending.Start())
			require.NoError(t, Sleep(bg, 0))
		}
		stop.Store(true)
		pollHub(t, done.Load)
		assert.Same(t, never.Context(), never.Context())
		assert.ErrorIs(t, never.Context().Err(), context.Canceled)
		assert.True(t, pending.Pending())
	})
}

// Fired may be asked from any goroutine: a plain goroutine told that the
// greenlet's wait ended sees the fire that ended it, and asking while the
// hub restarts, fires and cancels the timeout is no data race. Before,
// Fired read a field the hub wrote: -race reported it.
func TestTimeoutFiredAskedFromAGoroutine(t *testing.T) {
	withHub(t, func(*Hub, *bytes.Buffer) {
		to := NewTimeout(time.Millisecond, nil)
		ended := make(chan struct{})
		var sawFire, asked, stop, done atomic.Bool
		go func() {
			defer done.Store(true)
			<-ended
			sawFire.Store(to.Fired())
			asked.Store(true)
			for !stop.Load() {
				_ = to.Fired()
			}
		}()
		require.NoError(t, to.Start())
		require.ErrorIs(t, Sleep(bg, time.Second), to)
		close(ended)
		pollHub(t, asked.Load)
		assert.True(t, sawFire.Load(), "the goroutine did not see the fire")

		for range 20 {
			require.NoError(t, to.Start())
			to.Cancel()
			assert.False(t, to.Fired())
			require.NoError(t, to.Start())
			require.ErrorIs(t, Sleep(bg, time.Second), to)
			assert.True(t, to.Fired())
		}
		stop.Store(true)
		pollHub(t, done.Load)
	})
}

// Pending may be asked from any goroutine: a plain goroutine sees a
// timeout pending once it was started, and not once it was cancelled or
// fired, nor for one that never fires or was never started, and asking
// while the hub starts, cancels and fires timeouts is no data race. Before,
// Pending read the timer the hub writes: -race reported it.
func TestTimeoutPendingAskedFromAGoroutine(t *testing.T) {
	var left *Timeout
	withHub(t, func(*Hub, *bytes.Buffer) {
		long := NewTimeout(time.Hour, nil)
		short := NewTimeout(time.Millisecond, nil)
		never := NewTimeout(-1, nil)
		var asked, answered atomic.Int64
		var longP, shortP, neverP, stop, done atomic.Bool
		go func() {
			defer done.Store(true)
			for !stop.Load() {
				n := asked.Load()
				longP.Store(long.Pending())
				shortP.Store(short.Pending())
				neverP.Store(never.Pending())
				answered.Store(n)
			}
		}()
		// seen has the goroutine look again and returns what it saw.
		seen := func() (l, s bool) {
			n := asked.Add(1)
			pollHub(t, func() bool { return answered.Load() >= n })
			return longP.Load(), shortP.Load()
		}
		l, sh := seen()
		assert.False(t, l, "never started")
		assert.False(t, sh, "never started")

		require.NoError(t, long.Start())
		require.NoError(t, never.Start())
		l, _ = seen()
		assert.True(t, l, "started")
		assert.False(t, neverP.Load(), "a negative timeout is never armed")
		long.Cancel()
		l, _ = seen()
		assert.False(t, l, "cancelled")

		require.NoError(t, short.Start())
		require.ErrorIs(t, Sleep(bg, time.Second), short)
		_, sh = seen()
		assert.False(t, sh, "fired")

		for range 50 {
			require.NoError(t, long.Start())
			require.NoError(t, short.Start())
			require.ErrorIs(t, Sleep(bg, time.Second), short)
			long.Cancel()
		}
		require.NoError(t, long.Start())
		l, sh = seen()
		assert.True(t, l)
		assert.False(t, sh)
		stop.Store(true)
		pollHub(t, done.Load)
		left = long
	})
	assert.False(t, left.Pending(), "its timer went with the destroyed hub's loop")
}

// A Timeout started from a hub callback raises nothing when it fires (the
// hub is not a greenlet to interrupt), but sets Fired and cancels its
// Context, as Start's doc says.
func TestTimeoutStartedFromCallbackOnlyCancelsContext(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		to := NewTimeout(time.Millisecond, nil)
		var startErr error
		h.RunCallback(func() { startErr = to.Start() })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, startErr)
		pollHub(t, to.Fired)
		assert.ErrorIs(t, context.Cause(to.Context()), to)
		assert.Empty(t, errs.String(), "nothing was reported")
	})
}

// Context asked for only after the run ended is done already: with the
// timeout as its cause after a fire, context.Canceled after a Cancel; a
// Start after that gives a live one. Before, it was created live and stayed
// so until the next run ended.
func TestTimeoutContextAskedAfterTheRun(t *testing.T) {
	withHub(t, func(_ *Hub, _ *bytes.Buffer) {
		fired := NewTimeout(0, nil)
		require.NoError(t, fired.Start())
		assert.ErrorIs(t, Sleep(bg, time.Millisecond), fired)
		require.True(t, fired.Fired())
		assert.ErrorIs(t, context.Cause(fired.Context()), fired)

		cancelled := NewTimeout(time.Hour, nil)
		require.NoError(t, cancelled.Start())
		cancelled.Cancel()
		assert.ErrorIs(t, context.Cause(cancelled.Context()), context.Canceled)
		require.NoError(t, cancelled.Start())
		assert.NoError(t, cancelled.Context().Err(), "a new run's Context")
		cancelled.Cancel()

		unstarted := NewTimeout(time.Hour, nil)
		assert.NoError(t, unstarted.Context().Err())
	})
}

// Once its hub's Destroy returned, a timeout may be cancelled from any
// goroutine, so from two at once: the run ends once, and nothing but its
// state word is written (the timer went with the loop). Before, both
// cleared the timer and target fields, a data race that -race reports.
// Destroy ends an armed timeout's run itself
// (TestDestroyEndsTheRunOfAnArmedTimeout): the run left to cancel is one
// that armed nothing, of a negative duration.
func TestTimeoutCancelAfterDestroyFromTwoGoroutines(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	to := startTimeout(t, -1)
	ctx := to.Context()
	require.NoError(t, h.Destroy())
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			<-start
			to.Cancel()
			assert.NoError(t, to.Close())
		})
	}
	close(start)
	wg.Wait()
	assert.False(t, to.Pending())
	assert.False(t, to.Fired())
	assert.ErrorIs(t, context.Cause(ctx), context.Canceled)
	withHub(t, func(*Hub, *bytes.Buffer) {
		require.NoError(t, to.Start(), "the next hub takes the cancelled timeout over")
		assert.NoError(t, to.Context().Err(), "a new run")
		to.Cancel()
	})
}

// A Cancel from a plain goroutine that found the timeout's hub destroyed
// (or the timeout never started), held just before it ends the run while a
// greenlet of another hub starts the timeout, taking it over, ends no run
// of the new hub's: it comes after that Start, so it is refused as from
// outside the new hub, and the new run stays armed with a live Context.
// Before, its stop landed on the new run: Pending reported false with the
// timer armed, and the run's Context was cancelled. The run of a destroyed
// hub's timeout left to cancel is one that armed nothing (a negative
// duration): Destroy ends an armed one's itself.
func TestTimeoutDeadCancelUnderATakeoverEndsNoNewRun(t *testing.T) {
	for _, started := range []bool{true, false} {
		name := "last hub destroyed"
		d := time.Duration(-1)
		if !started {
			name, d = "never started", time.Hour
		}
		t.Run(name, func(t *testing.T) {
			to := NewTimeout(d, nil)
			if started {
				h, err := NewHub()
				require.NoError(t, err)
				require.NoError(t, to.Start())
				require.NoError(t, h.Destroy())
			}
			// Made before the hold, so that nothing but the Start writes
			// the run's word under it; the new run goes on with it.
			ctx := to.Context()
			held, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			cancelDeadHook = func() { once.Do(func() { close(held); <-release }) }
			done := make(chan error, 1)
			go func() { done <- to.Close() }()
			<-held
			withHub(t, func(*Hub, *bytes.Buffer) {
				require.NoError(t, to.Start(), "the next hub takes the timeout over")
				require.Equal(t, ctx, to.Context())
				close(release)
				// The Close needs no hub: waiting here blocks nobody.
				assert.ErrorIs(t, <-done, ErrNotGreenlet)
				cancelDeadHook = nil
				assert.Equal(t, d >= 0, to.Pending(), "a Cancel from outside ended the new run")
				assert.NoError(t, ctx.Err())
				to.Cancel()
				assert.False(t, to.Pending())
				assert.ErrorIs(t, context.Cause(ctx), context.Canceled)
			})
		})
	}
}

// Regression: the error a fired Timeout throws matched ErrTimeout but was
// no net.Error, so os.IsTimeout said no to it, while it says yes to every
// wait's error for a deadline or for a Timeout's Context (and WaitContext on
// that Context returns the Timeout itself, its cause).
func TestTimeoutIsATimeoutError(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		to := startTimeout(t, time.Millisecond)
		err := Sleep(bg, time.Hour)
		require.ErrorIs(t, err, to)
		assert.True(t, os.IsTimeout(err), "thrown")
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		assert.True(t, ne.Timeout())

		_, err = WithTimeout(time.Millisecond, func() (int, error) { return 0, Sleep(bg, time.Hour) })
		assert.True(t, os.IsTimeout(err), "WithTimeout")

		var none *Timeout
		assert.False(t, os.IsTimeout(none), "a nil Timeout never fires")
	})
}
