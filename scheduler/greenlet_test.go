package scheduler

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpawnOrderAndJoin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		var gs []*Greenlet[int]
		for i := range 3 {
			gs = append(gs, Spawn(func() (int, error) {
				trace = append(trace, fmt.Sprintf("start %d", i))
				require.NoError(t, Sleep(bg, 0))
				trace = append(trace, fmt.Sprintf("end %d", i))
				return i * 10, nil
			}))
		}
		trace = append(trace, "spawned")
		done, err := Wait(bg, gs, 0)
		require.NoError(t, err)
		assert.Len(t, done, 3)
		assert.Equal(t, []string{"spawned", "start 0", "start 1", "start 2", "end 0", "end 1", "end 2"}, trace)
		for i, g := range gs {
			v, err := g.Get(bg)
			require.NoError(t, err)
			assert.Equal(t, i*10, v)
			assert.True(t, g.Successful())
			assert.True(t, g.Dead())
		}
	})
}

func TestPanicReported(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		g := Go(func() error { panic("boom") })
		require.NoError(t, g.Join(bg))
		assert.False(t, g.Successful())
		var pe *PanicError
		require.ErrorAs(t, g.Err(), &pe)
		assert.Equal(t, "boom", pe.Value)
		assert.Contains(t, errs.String(), "Greenlet-")
		assert.Contains(t, errs.String(), "panic: boom")
		// The hub goes on.
		g2 := Spawn(func() (string, error) { return "ok", nil })
		v, err := g2.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "ok", v)
	})
}

func TestGetVariants(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		errBad := errors.New("bad")
		ok := Spawn(func() (string, error) { return "v", nil })
		bad := Spawn(func() (string, error) { return "", errBad })
		gate := NewWaiter("gate")
		slow := Spawn(func() (int, error) { _, err := gate.Get(bg); return 7, err })

		_, err := slow.TryGet()
		assert.ErrorIs(t, err, ErrNotReady)

		v, err := ok.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "v", v)
		_, err = bad.Get(bg)
		assert.ErrorIs(t, err, errBad)
		_, err = bad.Get(bg) // re-raised every time
		assert.ErrorIs(t, err, errBad)

		_, err = slow.Get(within(t, 5*time.Millisecond))
		assert.ErrorIs(t, err, ErrTimeout)
		assert.False(t, slow.Ready(), "a timed-out Get leaves the greenlet running")
		gate.Switch(nil)
		n, err := slow.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 7, n)
	})
}

func TestGoexitReported(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		deferred := false
		g := Go(func() error {
			defer func() { deferred = true }()
			runtime.Goexit()
			return nil
		})
		require.NoError(t, g.Join(bg))
		assert.True(t, deferred)
		assert.ErrorIs(t, g.Err(), ErrGoexit)
		assert.Contains(t, errs.String(), "Goexit")
		// The hub survives.
		require.NoError(t, Sleep(bg, time.Millisecond))
		g2 := Spawn(func() (int, error) { return 5, nil })
		v, err := g2.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 5, v)
	})
}

func TestCurrentAndNames(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		assert.Nil(t, GetCurrent())
		g1 := Spawn(func() (string, error) { return GetCurrent().Name(), nil })
		g2 := New(func() (string, error) { return "", nil })
		var n1, n2 int
		_, err := fmt.Sscanf(g1.Name(), "Greenlet-%d", &n1)
		require.NoError(t, err)
		_, err = fmt.Sscanf(g2.Name(), "Greenlet-%d", &n2)
		require.NoError(t, err)
		assert.Equal(t, n1+1, n2)
		v, err := g1.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, g1.Name(), v)
		g2.SetName("custom")
		assert.Equal(t, "custom", g2.Name())
	})
}

// The lifecycle methods of a nil *Greenlet give ErrNilArgument, as Get does.
func TestNilGreenletLifecycleMethods(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var g *Greenlet[int]
		for name, fn := range map[string]func() error{
			"Join":       func() error { return g.Join(bg) },
			"Kill":       func() error { return g.Kill(bg, nil) },
			"KillAsync":  func() error { return g.KillAsync(nil) },
			"Start":      func() error { return g.Start() },
			"StartLater": func() error { return g.StartLater(time.Millisecond) },
		} {
			var err error
			require.NotPanics(t, func() { err = fn() }, name)
			assert.ErrorIs(t, err, ErrNilArgument, name)
		}
	})
}

// Start and StartLater check their caller before they read the greenlet's
// body or state, which the hub writes as the greenlet runs: a plain
// goroutine starting greenlets the hub is running gets ErrNotGreenlet and
// reads nothing. Before, the nil-body check read both first: -race
// reported it.
func TestStartFromAGoroutineChecksTheCallerFirst(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var cur atomic.Pointer[Greenlet[struct{}]]
		var other atomic.Value
		var stop, done atomic.Bool
		go func() {
			defer done.Store(true)
			for !stop.Load() {
				g := cur.Load()
				if g == nil {
					runtime.Gosched()
					continue
				}
				for _, err := range []error{g.Start(), g.StartLater(time.Hour)} {
					if !errors.Is(err, ErrNotGreenlet) {
						other.CompareAndSwap(nil, fmt.Sprint(err))
					}
				}
			}
		}()
		for range 50 {
			g := Go(func() error { return Sleep(bg, 0) })
			cur.Store(g)
			require.NoError(t, g.Join(bg))
		}
		stop.Store(true)
		pollHub(t, done.Load)
		assert.Nil(t, other.Load(), "a Start from a goroutine was not refused as not the hub's")
		err := New(func() (int, error) { return 0, nil }).Start()
		require.NoError(t, err)
		_, err = Spawn[int](nil).Get(bg)
		assert.ErrorIs(t, err, ErrNilArgument)
	})
}

// TestValueKeptWithAFailure: Get, TryGet and Value give what the body
// returned beside its error, on the hub, from a goroutine and after the hub
// is gone (a Go function returns both; gevent's value is None after an
// exception). A GreenletExit counts as success and keeps its value too.
func TestValueKeptWithAFailure(t *testing.T) {
	errBad := errors.New("bad")
	var bad, exited *Greenlet[int]
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		bad = Spawn(func() (int, error) { return 42, errBad })
		exited = Spawn(func() (int, error) { return 7, ErrGreenletExit })
		v, err := bad.Get(bg)
		require.ErrorIs(t, err, errBad)
		assert.Equal(t, 42, v, "Get")
		v, err = bad.TryGet()
		require.ErrorIs(t, err, errBad)
		assert.Equal(t, 42, v, "TryGet")
		assert.Equal(t, 42, bad.Value(), "Value")
		done := make(chan int, 1)
		go func() { done <- bad.Value() }()
		assert.Equal(t, 42, <-done, "Value from a goroutine")
		v, err = exited.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 7, v, "a GreenletExit is a success")
		assert.Contains(t, errs.String(), "bad")
	})
	v, err := bad.TryGet()
	require.ErrorIs(t, err, errBad)
	assert.Equal(t, 42, v, "TryGet after Destroy")
	assert.Equal(t, 42, bad.Value(), "Value after Destroy")
	assert.Equal(t, 7, exited.Value())
}
