package scheduler

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocalPerGreenlet(t *testing.T) {
	var l Local[int]
	require.NoError(t, Main(func() error {
		require.NoError(t, l.Set(42))
		g := Spawn(func() ([]any, error) {
			v, ok := l.Get()
			if err := l.Set(11); err != nil {
				return nil, err
			}
			v2, ok2 := l.Get()
			return []any{v, ok, v2, ok2}, nil
		})
		got, err := g.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, []any{0, false, 11, true}, got, "the greenlet starts without a value and keeps its own")
		v, ok := l.Get()
		assert.True(t, ok)
		assert.Equal(t, 42, v, "main's value is untouched by the greenlet's Set")
		return nil
	}))
}

// A spawned greenlet does not inherit its spawner's values (gevent's
// local.py keys values by greenlet and copies nothing on spawn).
func TestLocalNotInherited(t *testing.T) {
	var l Local[string]
	require.NoError(t, Main(func() error {
		require.NoError(t, l.Set("main"))
		parent := Spawn(func() (string, error) {
			if err := l.Set("parent"); err != nil {
				return "", err
			}
			child := Spawn(func() (string, error) {
				v, ok := l.Get()
				if ok {
					return "inherited " + v, nil
				}
				return "nothing", nil
			})
			return child.Get(bg)
		})
		got, err := parent.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "nothing", got)
		return nil
	}))
}

// New runs once in each greenlet that uses the local, as gevent calls a
// local subclass's __init__ once per greenlet.
func TestLocalNew(t *testing.T) {
	calls := 0
	l := Local[int]{New: func() int { calls++; return 100 + calls }}
	require.NoError(t, Main(func() error {
		v, ok := l.Get()
		assert.Equal(t, 101, v)
		assert.True(t, ok)
		v, _ = l.Get()
		assert.Equal(t, 101, v, "New ran once in main")
		g := Spawn(func() (int, error) {
			v, _ := l.Get()
			l.Get()
			return v, nil
		})
		got, err := g.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 102, got)
		assert.Equal(t, 2, calls)
		require.NoError(t, l.Delete())
		v, _ = l.Get()
		assert.Equal(t, 103, v, "after Delete the next Get calls New again")
		return nil
	}))
}

func TestLocalDelete(t *testing.T) {
	var a, b Local[int]
	require.NoError(t, Main(func() error {
		require.NoError(t, b.Delete(), "deleting a value never set")
		require.NoError(t, a.Set(1))
		require.NoError(t, b.Set(2))
		require.NoError(t, a.Delete())
		_, ok := a.Get()
		assert.False(t, ok)
		v, ok := b.Get()
		assert.True(t, ok)
		assert.Equal(t, 2, v, "deleting one local keeps the others")
		return nil
	}))
}

// Callbacks run in the hub greenlet: they share its value, apart from
// main's.
func TestLocalHubGreenlet(t *testing.T) {
	var l Local[string]
	require.NoError(t, Main(func() error {
		require.NoError(t, l.Set("main"))
		h := CurrentHub()
		var seen []string
		h.RunCallback(func() {
			v, ok := l.Get()
			seen = append(seen, v)
			assert.False(t, ok)
			assert.NoError(t, l.Set("hub"))
		})
		h.RunCallback(func() {
			v, _ := l.Get()
			seen = append(seen, v)
		})
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []string{"", "hub"}, seen)
		v, _ := l.Get()
		assert.Equal(t, "main", v)
		return nil
	}))
}

func TestLocalOutsideGreenlet(t *testing.T) {
	calls := 0
	l := Local[int]{New: func() int { calls++; return 1 }}
	v, ok := l.Get()
	assert.False(t, ok)
	assert.Zero(t, v)
	assert.Zero(t, calls, "New is not called outside a greenlet")
	assert.ErrorIs(t, l.Set(1), ErrNotGreenlet)
	assert.ErrorIs(t, l.Delete(), ErrNotGreenlet)
	assert.Nil(t, CurrentHub(), "no hub was created")

	var nl *Local[int]
	_, ok = nl.Get()
	assert.False(t, ok)
	assert.ErrorIs(t, nl.Set(1), ErrNilArgument)
	assert.ErrorIs(t, nl.Delete(), ErrNilArgument)
}

// A greenlet's values go when it ends: the worker that ran it holds none
// for the next greenlet, and the value can be collected.
func TestLocalFreedWhenGreenletEnds(t *testing.T) {
	var l Local[*[64]byte]
	var freed atomic.Bool
	require.NoError(t, Main(func() error {
		g := Spawn(func() (int, error) {
			v := new([64]byte)
			runtime.AddCleanup(v, func(*atomic.Bool) { freed.Store(true) }, &freed)
			return 0, l.Set(v)
		})
		require.NoError(t, g.Join(bg))
		next := Spawn(func() (bool, error) {
			_, ok := l.Get()
			return ok, nil
		})
		ok, err := next.Get(bg)
		require.NoError(t, err)
		assert.False(t, ok, "the next greenlet on the same worker sees nothing")
		return nil
	}))
	waitCollected(t, &freed)
}

// A Local that is no longer referenced does not keep its values alive in a
// long-lived greenlet: its entry goes when the greenlet next stores one.
func TestLocalCollectedKeyDropsValue(t *testing.T) {
	var freed atomic.Bool
	require.NoError(t, Main(func() error {
		c := currentCtx()
		func() {
			l := new(Local[*[64]byte])
			v := new([64]byte)
			runtime.AddCleanup(v, func(*atomic.Bool) { freed.Store(true) }, &freed)
			require.NoError(t, l.Set(v))
		}()
		require.Len(t, c.locals, 1)
		deadline := time.Now().Add(10 * time.Second)
		for c.locals[0].key.Value() != nil {
			require.False(t, time.Now().After(deadline), "the dropped Local's key was not collected within 10 s")
			runtime.GC()
		}
		var other Local[int]
		require.NoError(t, other.Set(1))
		assert.Len(t, c.locals, 1, "the collected Local's entry was dropped")
		return nil
	}))
	waitCollected(t, &freed)
}

// waitCollected runs the collector until flag is set, failing after 10 s.
func waitCollected(t *testing.T, flag *atomic.Bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !flag.Load() {
		require.False(t, time.Now().After(deadline), "value not collected within 10 s")
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// One Local shared by the greenlets of two hubs on two goroutines: each
// greenlet sees only its own value, and (under -race) nothing races.
func TestLocalSharedByHubs(t *testing.T) {
	var l Local[int]
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Main(func() error { return localChurn(&l, i*1000) })
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
}

// localChurn has 20 greenlets set, yield and check their own values.
func localChurn(l *Local[int], base int) error {
	var gs []*Greenlet[bool]
	for j := range 20 {
		gs = append(gs, Spawn(func() (bool, error) {
			for k := range 50 {
				if err := l.Set(base + j*100 + k); err != nil {
					return false, err
				}
				if err := Sleep(bg, 0); err != nil {
					return false, err
				}
				if v, ok := l.Get(); !ok || v != base+j*100+k {
					return false, nil
				}
			}
			return true, nil
		}))
	}
	for _, g := range gs {
		ok, err := g.Get(bg)
		if err != nil {
			return err
		}
		if !ok {
			return assert.AnError
		}
	}
	return nil
}

// BenchmarkLocalSetGet: one Set and one Get of a greenlet's own value.
func BenchmarkLocalSetGet(b *testing.B) {
	benchHub(b, func(h *Hub) {
		var l Local[int]
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			_ = l.Set(i)
			if v, _ := l.Get(); v != i {
				b.Fatal("wrong value")
			}
		}
	})
}

// BenchmarkSpawnJoinLocal is BenchmarkSpawnJoin with a greenlet that sets
// and reads a local: the difference is the per-greenlet cost of a local.
func BenchmarkSpawnJoinLocal(b *testing.B) {
	benchHub(b, func(h *Hub) {
		var l Local[int]
		fn := func() (int, error) {
			_ = l.Set(1)
			v, _ := l.Get()
			return v, nil
		}
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
