package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKillAll(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		var gs []*Greenlet[struct{}]
		for i := range 3 {
			gs = append(gs, Go(func() error {
				err := Sleep(bg, time.Hour)
				trace = append(trace, fmt.Sprint(i))
				return err
			}))
		}
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, KillAll(bg, gs, nil))
		assert.Equal(t, []string{"0", "1", "2"}, trace)
		for _, g := range gs {
			assert.True(t, g.Dead())
		}
	})
}

// KillAll from the hub greenlet, which must not block, is refused before it
// kills anything when one of the greenlets runs (it would have to wait for
// it), as Kill of that greenlet is; greenlets that never ran it may kill
// from there, as Kill may. Before, it killed the greenlets that never ran
// and only then refused the wait.
func TestKillAllFromTheHubIsRefusedBeforeItKills(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		running := Go(func() error { return Sleep(bg, time.Hour) })
		require.NoError(t, Sleep(bg, 0))
		unstarted := New(func() (struct{}, error) { return struct{}{}, nil })
		both := []*Greenlet[struct{}]{unstarted, running}

		var refused, allowed error
		h.RunCallback(func() { refused = KillAll(bg, both, nil) })
		require.NoError(t, Sleep(bg, 0))
		require.ErrorIs(t, refused, ErrNotGreenlet)
		assert.Contains(t, refused.Error(), "KillAll")
		assert.False(t, unstarted.Dead(), "the refused KillAll killed a greenlet")
		assert.False(t, running.Dead())

		h.RunCallback(func() { allowed = KillAll(bg, both[:1], nil) })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, allowed)
		assert.True(t, unstarted.Dead())

		require.NoError(t, KillAll(bg, both, nil))
		assert.True(t, running.Dead())
	})
}

func TestWaitAndIWait(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		mk := func(name string, d time.Duration) *Greenlet[string] {
			g := Spawn(func() (string, error) { return name, Sleep(bg, d) })
			g.SetName(name)
			return g
		}
		a, b, c := mk("a", 20*time.Millisecond), mk("b", 10*time.Millisecond), mk("c", 0)
		done, err := Wait(bg, []*Greenlet[string]{a, b, c}, 0)
		require.NoError(t, err)
		var names []string
		for _, g := range done {
			names = append(names, g.Value())
		}
		assert.Equal(t, []string{"c", "b", "a"}, names, "completion order")

		gate := NewWaiter("gate")
		x := Spawn(func() (string, error) { _, err := gate.Get(bg); return "x", err })
		y := mk("y", 0)
		got, err := Wait(within(t, 10*time.Millisecond), []Linkable{x, y}, 0)
		assert.ErrorIs(t, err, ErrTimeout, "the deadline ends the wait")
		require.Len(t, got, 1)
		assert.Same(t, y, got[0])
		gate.Switch(nil)

		var order []string
		for l, err := range IWait(bg, []Linkable{x, y}, 0) {
			require.NoError(t, err)
			order = append(order, l.(*Greenlet[string]).Value())
		}
		assert.Equal(t, []string{"y", "x"}, order)
	})
}

func TestJoinAllRaiseError(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		errBad := errors.New("bad")
		gate := NewWaiter("gate")
		ok := Go(func() error { _, err := gate.Get(bg); return err })
		bad := Go(func() error { return errBad })
		_, err := JoinAll(bg, []*Greenlet[struct{}]{ok, bad})
		assert.ErrorIs(t, err, errBad)
		assert.False(t, ok.Ready(), "others keep running")
		gate.Switch(nil)
		require.NoError(t, ok.Join(bg))
	})
}

// TestWaitFirstCallCreatesHub: a timed Wait is a goroutine's first scheduler
// call like any other: it creates the hub and times out; without a time
// limit, on objects nothing can make ready, it is refused without a hub.
// No scheduler call creates a hub: a goroutine without one gets
// ErrNotGreenlet from a wait, with or without a deadline, and is left
// without a hub.
func TestWaitWithoutHubCreatesNone(t *testing.T) {
	for _, ctx := range []context.Context{within(t, 5*time.Millisecond), bg} {
		res := make(chan error)
		go func() {
			_, err := Wait(ctx, []Linkable{newTestLinkable()}, 0)
			if CurrentHub() != nil {
				err = errors.New("a hub was created")
			}
			res <- err
		}()
		assert.ErrorIs(t, <-res, ErrNotGreenlet)
	}
}

// neverReady is a Linkable bound to no hub that never becomes ready.
type neverReady struct{ links int }

func newTestLinkable() *neverReady { return &neverReady{} }

func (n *neverReady) Ready() bool { return false }

func (n *neverReady) Rawlink(func(Linkable)) LinkID { n.links++; return LinkID(n.links) }

func (n *neverReady) Unlink(LinkID) { n.links-- }

// IWait's context bounds IWait's own waits, not the waits of the loop body
// between two objects: a deadline passing while the body sleeps leaves that
// sleep alone and ends the iteration at its next wait instead.
func TestIWaitContextEndingInLoopBodyEndsTheIteration(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		slow := Go(func() error { return Sleep(bg, time.Hour) })
		gs := []*Greenlet[struct{}]{Go(func() error { return nil }), slow}
		ctx, cancel := context.WithTimeout(bg, 5*time.Millisecond)
		defer cancel()
		var got []error
		for _, err := range IWait(ctx, gs, 0) {
			got = append(got, err)
			if err != nil {
				break
			}
			pollHub(t, func() bool { return ctx.Err() != nil })
			// The hub's deadline timer fires during this sleep.
			require.NoError(t, Sleep(bg, 10*time.Millisecond), "IWait's deadline hit the loop body")
		}
		require.Len(t, got, 2)
		assert.NoError(t, got[0])
		assert.ErrorIs(t, got[1], ErrTimeout)
		assert.ErrorIs(t, got[1], context.DeadlineExceeded)
		require.NoError(t, slow.Kill(bg, nil))
	})
}

// TestRefusedWaitsNameTheirCall: Wait's, JoinAll's and SleepUnref's
// refusals name the call the caller made. Before, Wait and JoinAll said
// IWait (a nil context, a nil object, another hub's object, a call from
// outside a greenlet), and SleepUnref with d <= 0 said Sleep.
func TestRefusedWaitsNameTheirCall(t *testing.T) {
	var nilCtx context.Context
	opOf := func(err error) string {
		var e *Error
		if errors.As(err, &e) {
			return e.Op
		}
		return fmt.Sprintf("%T %v", err, err)
	}
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return nil })
		_, err := Wait(nilCtx, []*Greenlet[struct{}]{g}, 0)
		assert.Equal(t, "Wait", opOf(err))
		_, err = JoinAll(nilCtx, []*Greenlet[struct{}]{g})
		assert.Equal(t, "JoinAll", opOf(err))
		_, err = Wait(bg, []*Greenlet[struct{}]{g, nil}, 0)
		assert.Equal(t, "Wait on a nil object", opOf(err))
		_, err = JoinAll(bg, []*Greenlet[struct{}]{nil})
		assert.Equal(t, "JoinAll on a nil object", opOf(err))
		assert.Equal(t, "SleepUnref", opOf(SleepUnref(nilCtx, 0)))
		require.NoError(t, SleepUnref(bg, 0))
		_, err = h.RunCallback(func() {
			_, werr := Wait(bg, []*Greenlet[struct{}]{g}, 0)
			assert.Equal(t, "Wait", opOf(werr), "from the hub")
			assert.Equal(t, "SleepUnref", opOf(SleepUnref(bg, 0)), "from the hub")
		})
		require.NoError(t, err)
		require.NoError(t, Sleep(bg, 0))
		_, err = g.Get(bg)
		require.NoError(t, err)
	})
}

// Regression: Spawn, Go and SpawnLater refused (from a plain goroutine, or given a nil body)
// returned a dead greenlet whose error named Greenlet.Start or Greenlet.StartLater, calls the
// caller never made.
func TestRefusedSpawnsNameTheirCall(t *testing.T) {
	opOf := func(err error) string {
		var e *Error
		if errors.As(err, &e) {
			return e.Op
		}
		return fmt.Sprintf("%T %v", err, err)
	}
	body := func() (int, error) { return 1, nil }
	for _, c := range []struct {
		op    string
		spawn func() error
		cause error
	}{
		{"Spawn", func() error { return Spawn(body).Err() }, ErrNotGreenlet},
		{"Go", func() error { return Go(func() error { return nil }).Err() }, ErrNotGreenlet},
		{"SpawnLater", func() error { return SpawnLater(time.Millisecond, body).Err() }, ErrNotGreenlet},
		{"Spawn", func() error { return Spawn[int](nil).Err() }, ErrNilArgument},
		{"Go", func() error { return Go(nil).Err() }, ErrNilArgument},
		{"SpawnLater", func() error { return SpawnLater[int](time.Millisecond, nil).Err() }, ErrNilArgument},
	} {
		err := c.spawn()
		assert.ErrorIs(t, err, c.cause, c.op)
		assert.Equal(t, c.op, opOf(err), "%s refused with %v", c.op, c.cause)
	}
	withHub(t, func(*Hub, *bytes.Buffer) {
		err := Spawn[int](nil).Err()
		assert.ErrorIs(t, err, ErrNilArgument)
		assert.Equal(t, "Spawn", opOf(err), "in a greenlet")
		err = SpawnLater[int](-time.Second, nil).Err()
		assert.Equal(t, "SpawnLater", opOf(err), "in a greenlet")
	})
}
