package scheduler

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpawningGreenlet(t *testing.T) {
	require.NoError(t, Main(func() error {
		var child *Greenlet[int]
		parent := Spawn(func() (Runnable, error) {
			child = Spawn(func() (int, error) { return 1, nil })
			return child.SpawningGreenlet(), nil
		})
		got, err := parent.Get(bg)
		require.NoError(t, err)
		assert.Same(t, parent, got, "a greenlet spawned by a greenlet knows it")
		assert.Nil(t, parent.SpawningGreenlet(), "spawned by main")
		require.NoError(t, child.Join(bg))
		assert.Nil(t, child.SpawningGreenlet(), "dropped once the greenlet finished")

		var fromHub *Greenlet[int]
		CurrentHub().RunCallback(func() { fromHub = Spawn(func() (int, error) { return 0, nil }) })
		require.NoError(t, Sleep(bg, 0))
		require.NotNil(t, fromHub)
		assert.Nil(t, fromHub.SpawningGreenlet(), "spawned by the hub greenlet")
		return fromHub.Join(bg)
	}))
	assert.Nil(t, New(func() (int, error) { return 0, nil }).SpawningGreenlet(), "created outside a greenlet")
}

// A greenlet outlives its finished spawner: it still names it, but the
// spawner no longer holds its own spawner, so a chain of greenlets each
// spawning the next keeps one finished greenlet alive, not all.
func TestSpawningGreenletChain(t *testing.T) {
	require.NoError(t, Main(func() error {
		release := NewWaiter("release")
		var g2 *Greenlet[int]
		g1 := Spawn(func() (int, error) {
			g2 = Spawn(func() (int, error) {
				_, err := release.Get(bg)
				return 2, err
			})
			return 1, nil
		})
		require.NoError(t, g1.Join(bg))
		require.NoError(t, Sleep(bg, 0))
		assert.Same(t, g1, g2.SpawningGreenlet(), "the finished spawner is still named")
		release.Switch(nil)
		return g2.Join(bg)
	}))
}

func TestSpawningStack(t *testing.T) {
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		g := Spawn(func() (int, error) { return 0, nil })
		assert.Nil(t, g.SpawningStack(), "not recorded by default")
		assert.False(t, h.RecordSpawnStacks())

		h.SetRecordSpawnStacks(true)
		assert.True(t, h.RecordSpawnStacks())
		g2 := Spawn(func() (int, error) { return 0, nil })
		frames := g2.SpawningStack()
		require.NotEmpty(t, frames)
		assert.LessOrEqual(t, len(frames), maxSpawnStack)
		assert.True(t, hasFrame(frames, "TestSpawningStack"), "the stack shows the test that spawned: %v", frameNames(frames))
		assert.Contains(t, frames[0].Function, "TestSpawningStack", "innermost first: Spawn's caller")

		h.SetRecordSpawnStacks(false)
		g3 := Spawn(func() (int, error) { return 0, nil })
		assert.Nil(t, g3.SpawningStack())
		_, err := JoinAll(bg, []*Greenlet[int]{g, g2, g3})
		require.NoError(t, err)
		assert.Nil(t, g2.SpawningStack(), "dropped once the greenlet finished")
		return nil
	}))
	var nh *Hub
	nh.SetRecordSpawnStacks(true)
	assert.False(t, nh.RecordSpawnStacks())
}

// A recorded stack starts where the program created the greenlet, not in
// Spawn, SpawnLater or Go (gevent's spawning_stack starts at the caller of
// spawn), and keeps maxSpawnStack frames of the program's when it is deep.
func TestSpawningStackStartsAtCaller(t *testing.T) {
	body := func() (int, error) { return 0, nil }
	require.NoError(t, Main(func() error {
		CurrentHub().SetRecordSpawnStacks(true)
		gs := map[string]Runnable{
			"Spawn":      Spawn(body),
			"SpawnLater": SpawnLater(time.Millisecond, body),
			"Go":         Go(func() error { return nil }),
			"New":        New(body),
		}
		for how, g := range gs {
			frames := g.(interface{ SpawningStack() []runtime.Frame }).SpawningStack()
			require.NotEmpty(t, frames, how)
			assert.Contains(t, frames[0].Function, "TestSpawningStackStartsAtCaller", "%s: innermost is the caller: %v", how, frameNames(frames))
		}
		deep := spawnAtDepth(2*maxSpawnStack, body)
		frames := deep.SpawningStack()
		assert.Len(t, frames, maxSpawnStack, "a deep stack keeps its full length: %v", frameNames(frames))
		assert.Contains(t, frames[0].Function, "spawnAtDepth")
		for _, g := range []Runnable{gs["Spawn"], gs["SpawnLater"], gs["Go"], deep} {
			require.NoError(t, g.Join(bg))
		}
		return nil
	}))
}

//go:noinline
func spawnAtDepth(n int, fn func() (int, error)) *Greenlet[int] {
	if n == 0 {
		return Spawn(fn)
	}
	return spawnAtDepth(n-1, fn)
}

func hasFrame(frames []runtime.Frame, fn string) bool {
	for _, f := range frames {
		if strings.HasSuffix(f.Function, "."+fn) || strings.Contains(f.Function, "."+fn+".") {
			return true
		}
	}
	return false
}

func frameNames(frames []runtime.Frame) []string {
	var out []string
	for _, f := range frames {
		out = append(out, f.Function)
	}
	return out
}

func TestSpawnCallbacks(t *testing.T) {
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		var seen []string
		id1, err := h.AddSpawnCallback(func(g Runnable) {
			seen = append(seen, "1:"+g.Name()+":"+py(g.Started()))
		})
		require.NoError(t, err)
		id2, err := h.AddSpawnCallback(func(g Runnable) { seen = append(seen, "2:"+g.Name()) })
		require.NoError(t, err)

		a := Spawn(func() (int, error) { return 0, nil })
		b := SpawnLater(0, func() (int, error) { return 0, nil })
		c := New(func() (int, error) { return 0, nil })
		assert.Len(t, seen, 4, "New alone does not report")
		require.NoError(t, c.Start())
		require.NoError(t, c.Start())
		_, err = SpawnRaw(func() error { return nil })
		require.NoError(t, err)
		a.Link(func(Linkable) {})
		_, err = JoinAll(bg, []*Greenlet[int]{a, b, c})
		require.NoError(t, err)
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []string{
			"1:" + a.Name() + ":False", "2:" + a.Name(),
			"1:" + b.Name() + ":False", "2:" + b.Name(),
			"1:" + c.Name() + ":False", "2:" + c.Name(),
		}, seen, "once per started Greenlet, before it is scheduled, in the order added; raw greenlets and links are not reported")

		require.NoError(t, h.RemoveSpawnCallback(id1))
		require.NoError(t, h.RemoveSpawnCallback(id1), "removing twice is fine")
		require.NoError(t, h.RemoveSpawnCallback(12345), "an unknown id is ignored")
		seen = nil
		require.NoError(t, Spawn(func() (int, error) { return 0, nil }).Join(bg))
		assert.Len(t, seen, 1)
		require.NoError(t, h.RemoveSpawnCallback(id2))
		seen = nil
		require.NoError(t, Spawn(func() (int, error) { return 0, nil }).Join(bg))
		assert.Empty(t, seen)
		return nil
	}))
}

func py(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func TestSpawnCallbackErrors(t *testing.T) {
	_, err := (*Hub)(nil).AddSpawnCallback(func(Runnable) {})
	assert.ErrorIs(t, err, ErrNotGreenlet)
	assert.ErrorIs(t, (*Hub)(nil).RemoveSpawnCallback(1), ErrNotGreenlet)
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		_, err := h.AddSpawnCallback(nil)
		assert.ErrorIs(t, err, ErrNilArgument)
		done := make(chan error, 2)
		go func() {
			_, err := h.AddSpawnCallback(func(Runnable) {})
			done <- err
			done <- h.RemoveSpawnCallback(1)
		}()
		assert.ErrorIs(t, <-done, ErrNotGreenlet)
		assert.ErrorIs(t, <-done, ErrNotGreenlet)
		assert.Empty(t, h.spawnCBs, "nothing registered from a goroutine")
		return nil
	}))
}

// A callback may kill the greenlet it hears of (it then never runs) or
// start it (which does nothing: the Start being reported schedules it).
func TestSpawnCallbackKillsOrStarts(t *testing.T) {
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		ran := 0
		id, err := h.AddSpawnCallback(func(g Runnable) { _ = g.KillAsync(nil) })
		require.NoError(t, err)
		g := Spawn(func() (int, error) { ran++; return 0, nil })
		assert.True(t, g.Dead())
		require.NoError(t, g.Join(bg))
		require.NoError(t, h.RemoveSpawnCallback(id))

		_, err = h.AddSpawnCallback(func(g Runnable) {
			assert.NoError(t, g.(*Greenlet[int]).Start())
		})
		require.NoError(t, err)
		g2 := Spawn(func() (int, error) { ran++; return 0, nil })
		require.NoError(t, g2.Join(bg))
		assert.Equal(t, 1, ran, "the killed greenlet never ran; the one started from its callback ran once")
		return nil
	}))
}

// A panic in a spawn callback reaches the caller of Start, as gevent's
// start() raises, and leaves the greenlet unstarted.
func TestSpawnCallbackPanic(t *testing.T) {
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		boom := true
		_, err := h.AddSpawnCallback(func(Runnable) {
			if boom {
				panic("boom")
			}
		})
		require.NoError(t, err)
		g := New(func() (int, error) { return 7, nil })
		assert.PanicsWithValue(t, "boom", func() { _ = g.Start() })
		assert.False(t, g.Started())
		boom = false
		require.NoError(t, g.Start())
		v, err := g.Get(bg)
		assert.Equal(t, 7, v)
		return err
	}))
}

func TestSpawnRaw(t *testing.T) {
	var errs []error
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		h.SetErrorHandler(func(err error) { errs = append(errs, err) })
		var order []string
		Spawn(func() (int, error) { order = append(order, "greenlet"); return 0, nil })
		raw, err := SpawnRaw(func() error {
			order = append(order, "raw")
			assert.Nil(t, GetCurrent(), "a raw greenlet is no Greenlet")
			if err := Sleep(bg, 0); err != nil {
				return err
			}
			order = append(order, "raw after sleep")
			return nil
		})
		require.NoError(t, err)
		assert.False(t, raw.Started(), "scheduled, not run")
		assert.Same(t, h.raw, raw.Parent(), "the hub is the parent")
		h.RunCallback(func() { order = append(order, "callback") })
		pollHub(t, raw.Dead)
		assert.Equal(t, []string{"greenlet", "raw", "callback", "raw after sleep"}, order)
		assert.Empty(t, h.raws)
		assert.Empty(t, errs)
		return nil
	}))
}

// What escapes a raw greenlet is reported to the hub's handler, but
// GreenletExit; a raw greenlet thrown into before it ran never runs.
func TestSpawnRawReports(t *testing.T) {
	var errs []error
	errBad := errors.New("bad")
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		h.SetErrorHandler(func(err error) { errs = append(errs, err) })
		r1, err := SpawnRaw(func() error { return errBad })
		require.NoError(t, err)
		r2, err := SpawnRaw(func() error { panic("raw panic") })
		require.NoError(t, err)
		r3, err := SpawnRaw(func() error { return ErrGreenletExit })
		require.NoError(t, err)
		ran := false
		h.RunCallback(func() {
			// Killed before it ran, from the hub: a dying raw greenlet
			// hands control to its parent, the hub (gevent.kill throws
			// into a raw greenlet from a callback for that reason).
			r4, err := SpawnRaw(func() error { ran = true; return nil })
			assert.NoError(t, err)
			_, err = r4.Throw(nil)
			assert.NoError(t, err)
			assert.True(t, r4.Dead())
		})
		pollHub(t, func() bool { return r1.Dead() && r2.Dead() && r3.Dead() && len(h.raws) == 0 })
		assert.False(t, ran)
		return nil
	}))
	require.Len(t, errs, 2)
	var ge *GreenletError
	require.ErrorAs(t, errs[0], &ge)
	assert.Equal(t, "RawGreenlet-1", ge.Greenlet)
	assert.ErrorIs(t, errs[0], errBad)
	var pe *PanicError
	require.ErrorAs(t, errs[1], &pe)
	assert.Equal(t, "raw panic", pe.Value)
	assert.Contains(t, errs[1].Error(), "RawGreenlet-2")
}

func TestSpawnRawErrors(t *testing.T) {
	_, err := SpawnRaw(func() error { return nil })
	assert.ErrorIs(t, err, ErrNotGreenlet)
	require.NoError(t, Main(func() error {
		_, err := SpawnRaw(nil)
		assert.ErrorIs(t, err, ErrNilArgument)
		return nil
	}))
}

// Destroy unwinds a raw greenlet blocked forever: its defers run.
func TestSpawnRawDestroy(t *testing.T) {
	unwound := false
	require.NoError(t, Main(func() error {
		_, err := SpawnRaw(func() error {
			defer func() { unwound = true }()
			return WaitContext(bg)
		})
		require.NoError(t, err)
		return Sleep(bg, 0)
	}))
	assert.True(t, unwound)
}

// BenchmarkSpawnJoinSpawnStacks is BenchmarkSpawnJoin with spawning stacks
// recorded: the difference is what recording costs per spawn.
func BenchmarkSpawnJoinSpawnStacks(b *testing.B) {
	benchHub(b, func(h *Hub) {
		h.SetRecordSpawnStacks(true)
		fn := func() (int, error) { return 1, nil }
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			g := Spawn(fn)
			if err := g.Join(bg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSpawnRawWait: SpawnRaw a greenlet and wait until it ran (it
// wakes main's Waiter), per op; BenchmarkSpawnJoin is the Greenlet's.
func BenchmarkSpawnRawWait(b *testing.B) {
	benchHub(b, func(h *Hub) {
		w := NewWaiter("raw")
		fn := func() error { w.Switch(nil); return nil }
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := SpawnRaw(fn); err != nil {
				b.Fatal(err)
			}
			if _, err := w.Get(bg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
