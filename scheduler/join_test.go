package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJoinTimeout(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		gate := NewWaiter("gate")
		g := Go(func() error { _, err := gate.Get(bg); return err })
		err := g.Join(within(t, 5*time.Millisecond))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, g.Ready())
		gate.Switch(nil)
		require.NoError(t, g.Join(bg))
		assert.True(t, g.Successful())
	})
}

func TestKillVariants(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		blocked := Go(func() error {
			defer func() { trace = append(trace, "blocked defer") }()
			err := Sleep(bg, time.Hour)
			trace = append(trace, fmt.Sprint("blocked got ", errors.Is(err, ErrGreenletExit)))
			return err
		})
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, blocked.Kill(bg, nil))
		assert.True(t, blocked.Dead())
		assert.True(t, blocked.Successful())
		assert.ErrorIs(t, blocked.ExitErr(), ErrGreenletExit)
		assert.Equal(t, []string{"blocked got true", "blocked defer"}, trace)

		ran := false
		unstarted := Go(func() error { ran = true; return nil })
		assert.True(t, unstarted.Started())
		require.NoError(t, unstarted.Kill(bg, nil))
		assert.True(t, unstarted.Dead())
		assert.False(t, unstarted.Started())
		require.NoError(t, Sleep(bg, 0))
		assert.False(t, ran, "a greenlet killed before it ran never runs")

		errCustom := errors.New("custom")
		custom := Go(func() error { return Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, custom.Kill(bg, errCustom))
		assert.False(t, custom.Successful())
		assert.ErrorIs(t, custom.Err(), errCustom)

		nb := Go(func() error { return Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, nb.KillAsync(nil))
		assert.False(t, nb.Dead(), "non-blocking kill returns before the throw")
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, nb.Dead())

		gate := NewWaiter("gate")
		caught := Spawn(func() (string, error) {
			err := Sleep(bg, time.Hour)
			if errors.Is(err, ErrGreenletExit) {
				if _, err := gate.Get(bg); err != nil {
					return "", err
				}
				return "survived", nil
			}
			return "", err
		})
		require.NoError(t, Sleep(bg, 0))
		err := caught.Kill(within(t, 2*time.Millisecond), nil)
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, caught.Dead())
		gate.Switch(nil)
		v, err := caught.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "survived", v)

		self := Go(func() error {
			return GetCurrent().Kill(bg, nil)
		})
		require.NoError(t, self.Join(bg))
		assert.True(t, self.Successful())
		assert.ErrorIs(t, self.ExitErr(), ErrGreenletExit)
	})
}

// A greenlet that finished on a hub since destroyed has its outcome for
// good: Get, Join and TryGet return it from the next hub's greenlets and
// from a plain goroutine, as Value and Err do. Before, they returned
// ErrNotGreenlet there. A greenlet that never finished is still refused.
func TestFinishedGreenletOfADestroyedHubGivesItsResult(t *testing.T) {
	ok, failed, killed, unstarted, boom := greenletsOfADestroyedHub(t)
	check := func(where string) {
		v, err := ok.Get(bg)
		assert.NoError(t, err, where)
		assert.Equal(t, 42, v, where)
		assert.NoError(t, ok.Join(bg), where)
		v, err = ok.TryGet()
		assert.NoError(t, err, where)
		assert.Equal(t, 42, v, where)
		_, err = failed.Get(bg)
		assert.ErrorIs(t, err, boom, where)
		assert.NoError(t, failed.Join(bg), where)
		_, err = killed.Get(bg)
		assert.NoError(t, err, where+": a GreenletExit is a success")
		_, err = unstarted.Get(bg)
		assert.ErrorIs(t, err, ErrNotGreenlet, where)
		assert.ErrorIs(t, unstarted.Join(bg), ErrNotGreenlet, where)
		_, err = unstarted.TryGet()
		assert.ErrorIs(t, err, ErrNotGreenlet, where)
	}
	require.NoError(t, Main(func() error {
		check("main greenlet of the next hub")
		_, err := Go(func() error { check("greenlet of the next hub"); return nil }).Get(bg)
		return err
	}))
	check("plain goroutine")
}

// A plain goroutine that asks for greenlets' results while their hub runs,
// finishes one, and is destroyed, which kills the other, is refused (the
// greenlets are the hub's) until Destroy returned, then gets the results;
// run with -race, it shows that a result is read only after the hub let go
// of it.
func TestFinishedGreenletResultWhileItsHubIsDestroyed(t *testing.T) {
	onADyingHub(t, "no result", func(g *Greenlet[int]) error {
		v, err := g.Get(bg)
		if err == nil {
			assert.Contains(t, []int{42, 7}, v)
		}
		return err
	})
}

// Killing a greenlet that finished on a hub since destroyed does nothing
// and returns nil from wherever Get would give its result (the next hub's
// greenlets, a plain goroutine), as killing a dead greenlet does on a live
// hub; KillAll skips such greenlets among those of a live hub. Before,
// Kill, KillAsync and KillAll returned ErrNotGreenlet there. A greenlet
// that never finished is still refused.
func TestKillOfAFinishedGreenletOfADestroyedHubDoesNothing(t *testing.T) {
	ok, failed, killed, unstarted, boom := greenletsOfADestroyedHub(t)
	dead := []*Greenlet[int]{ok, failed, killed}
	check := func(where string) {
		for _, g := range dead {
			assert.NoError(t, g.Kill(bg, nil), where)
			assert.NoError(t, g.KillAsync(nil), where)
		}
		assert.NoError(t, KillAll(bg, dead, nil), where)
		assert.NoError(t, KillAllAsync(dead, nil), where)
		assert.Equal(t, 42, ok.Value(), where)
		assert.NoError(t, ok.Err(), where)
		assert.ErrorIs(t, failed.Err(), boom, where)

		assert.ErrorIs(t, unstarted.Kill(bg, nil), ErrNotGreenlet, where)
		assert.ErrorIs(t, unstarted.KillAsync(nil), ErrNotGreenlet, where)
		assert.ErrorIs(t, KillAll(bg, []*Greenlet[int]{ok, unstarted}, nil), ErrNotGreenlet, where)
		assert.ErrorIs(t, KillAllAsync([]*Greenlet[int]{unstarted, ok}, nil), ErrNotGreenlet, where)
	}
	require.NoError(t, Main(func() error {
		check("main greenlet of the next hub")
		_, err := Go(func() error { check("greenlet of the next hub"); return nil }).Get(bg)
		if err != nil {
			return err
		}
		live := Spawn(func() (int, error) { return 0, Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		assert.NoError(t, KillAll(bg, []*Greenlet[int]{ok, live, failed}, nil),
			"the dead of the last hub mixed with a live greenlet of this one")
		assert.True(t, live.Dead())
		return nil
	}))
	check("plain goroutine")
}

// A plain goroutine killing greenlets while their hub is destroyed is
// refused (the greenlets are the hub's) until Destroy returned, then its
// Kill does nothing; run with -race, it shows that Kill reads whether the
// greenlet finished only after the hub let go of it.
func TestKillOfAFinishedGreenletWhileItsHubIsDestroyed(t *testing.T) {
	pair := onADyingHub(t, "no-op not reached", func(g *Greenlet[int]) error {
		err := g.KillAsync(errors.New("late"))
		if err == nil {
			require.NoError(t, g.Kill(bg, nil))
			require.NoError(t, KillAll(bg, []*Greenlet[int]{g}, nil))
		}
		return err
	})
	assert.Equal(t, 42, pair[0].Value())
	assert.NoError(t, pair[1].Err(), "killed by Destroy, not by the late kills")
}

// greenletsOfADestroyedHub runs a hub (Main) until ok returned 42 and failed
// returned boom, then destroys it, which kills killed (asleep) and leaves
// unstarted (made, never started) as it was.
func greenletsOfADestroyedHub(t *testing.T) (ok, failed, killed, unstarted *Greenlet[int], boom error) {
	t.Helper()
	boom = errors.New("boom")
	require.NoError(t, Main(func() error {
		CurrentHub().SetErrorOutput(io.Discard)
		ok = Spawn(func() (int, error) { return 42, nil })
		failed = Spawn(func() (int, error) { return 0, boom })
		killed = Spawn(func() (int, error) { return 7, Sleep(bg, time.Hour) })
		unstarted = New(func() (int, error) { return 1, nil })
		_, err := Wait(bg, []*Greenlet[int]{ok, failed}, 0)
		return err
	}))
	require.True(t, killed.Ready(), "Destroy killed it")
	return ok, failed, killed, unstarted, boom
}

// onADyingHub runs a hub on a goroutine of its own with two greenlets, one
// returning 42 and one asleep for an hour, and ends that hub (Destroy kills
// the sleeper) once call was first made. From the test's goroutine it calls
// call on each greenlet until call is no longer refused with
// ErrNotGreenlet (10 s at most), then checks that the hub was destroyed.
func onADyingHub(t *testing.T, what string, call func(g *Greenlet[int]) error) [2]*Greenlet[int] {
	t.Helper()
	gs := make(chan [2]*Greenlet[int], 1)
	var asked atomic.Bool
	h, wait := otherHub(t, func(*Hub) error {
		g := Spawn(func() (int, error) { return 42, nil })
		sleeper := Spawn(func() (int, error) { return 7, Sleep(bg, time.Hour) })
		gs <- [2]*Greenlet[int]{g, sleeper}
		for !asked.Load() {
			if err := Sleep(bg, time.Millisecond); err != nil {
				return err
			}
		}
		return g.Join(bg)
	})
	defer wait()
	pair := <-gs
	deadline := time.Now().Add(10 * time.Second)
	for _, g := range pair {
		for {
			err := call(g)
			asked.Store(true)
			if err == nil {
				break
			}
			require.ErrorIs(t, err, ErrNotGreenlet)
			require.False(t, time.Now().After(deadline), "%s within 10 s", what)
			runtime.Gosched()
		}
	}
	assert.True(t, h.Destroyed())
	return pair
}
