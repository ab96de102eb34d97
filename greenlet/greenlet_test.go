package greenlet

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withMain runs f on a fresh goroutine with its own main greenlet and
// closes it afterwards, so every test starts from a clean owner.
func withMain(t *testing.T, f func(m *Greenlet)) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		m := Current()
		defer func() { assert.NoError(t, m.Close()) }()
		f(m)
	}()
	<-done
}

func TestValuesBothWays(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		g := New(func(v any) (any, error) {
			assert.Equal(t, 1, v)
			back, err := m.Switch(v.(int) + 1)
			assert.NoError(t, err)
			return back.(int) * 10, nil
		})
		v, err := g.Switch(1)
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.True(t, g.Active())
		v, err = g.Switch(3)
		require.NoError(t, err)
		assert.Equal(t, 30, v)
		assert.True(t, g.Dead())
		assert.False(t, g.Active())
	})
}

func TestMainGreenlet(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		assert.Same(t, m, Current())
		assert.True(t, m.IsMain())
		assert.Nil(t, m.Parent())
		assert.True(t, m.Started())
		assert.True(t, m.Active())
		assert.False(t, m.Dead())
		assert.True(t, m.OwnedByCaller())
		assert.ErrorIs(t, m.SetParent(New(nil)), ErrMainParent)
		v, err := m.Switch("self")
		require.NoError(t, err)
		assert.Equal(t, "self", v)
	})
}

func TestCurrentInsideGreenlet(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		var g *Greenlet
		g = New(func(any) (any, error) {
			assert.Same(t, g, Current())
			assert.Same(t, m, g.Main())
			return nil, nil
		})
		assert.Same(t, m, g.Parent())
		_, err := g.Switch(nil)
		require.NoError(t, err)
	})
}

func TestErrorAndPanicReachParent(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		boom := errors.New("boom")
		_, err := New(func(any) (any, error) { return nil, boom }).Switch(nil)
		assert.ErrorIs(t, err, boom)

		_, err = New(func(any) (any, error) { panic(boom) }).Switch(nil)
		var pe *PanicError
		require.ErrorAs(t, err, &pe)
		assert.ErrorIs(t, err, boom)
		assert.Contains(t, string(pe.Stack), "TestErrorAndPanicReachParent")

		_, err = New(func(any) (any, error) { panic("text") }).Switch(nil)
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "text", pe.Value)

		_, err = New(nil).Switch(nil)
		assert.ErrorIs(t, err, ErrNoRun)
	})
}

func TestGoexitIsReportedNotPropagated(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		deferred := false
		g := New(func(any) (any, error) {
			defer func() { deferred = true }()
			runtime.Goexit()
			return nil, nil
		})
		_, err := g.Switch(nil)
		assert.ErrorIs(t, err, ErrGoexit)
		assert.True(t, deferred)
		assert.True(t, g.Dead())
		// The owner goroutine is still alive and usable.
		v, err := New(func(v any) (any, error) { return v, nil }).Switch(5)
		require.NoError(t, err)
		assert.Equal(t, 5, v)
	})
}

func TestGoexitInNestedGreenlet(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		outer := New(func(any) (any, error) {
			inner := New(func(any) (any, error) { runtime.Goexit(); return nil, nil })
			_, err := inner.Switch(nil)
			return "outer saw", err
		})
		v, err := outer.Switch(nil)
		assert.Equal(t, "outer saw", v)
		assert.ErrorIs(t, err, ErrGoexit)
	})
}

func TestThrow(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		custom := errors.New("custom")
		g := New(func(any) (any, error) {
			_, err := m.Switch(nil)
			assert.ErrorIs(t, err, custom)
			_, err = m.Switch(nil)
			return nil, err
		})
		_, err := g.Switch(nil)
		require.NoError(t, err)
		_, err = g.Throw(custom)
		require.NoError(t, err)
		v, err := g.Throw(nil)
		require.NoError(t, err, "GreenletExit comes back as a value")
		assert.ErrorIs(t, v.(error), ErrGreenletExit)
		assert.True(t, g.Dead())

		ran := false
		u := New(func(any) (any, error) { ran = true; return nil, nil })
		v, err = u.Throw(nil)
		require.NoError(t, err)
		assert.ErrorIs(t, v.(error), ErrGreenletExit)
		assert.False(t, ran)
		assert.True(t, u.Dead())

		_, err = New(func(any) (any, error) { ran = true; return nil, nil }).Throw(custom)
		assert.ErrorIs(t, err, custom)
		assert.False(t, ran)

		// Into the dead: GreenletExit as a value, others as errors.
		v, err = g.Throw(nil)
		require.NoError(t, err)
		assert.ErrorIs(t, v.(error), ErrGreenletExit)
		_, err = g.Throw(custom)
		assert.ErrorIs(t, err, custom)
		// Into oneself: raised at once, even GreenletExit.
		_, err = m.Throw(nil)
		assert.ErrorIs(t, err, ErrGreenletExit)
	})
}

func TestSwitchToDeadGoesToAncestor(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		var got []any
		a := New(func(any) (any, error) {
			b := New(func(any) (any, error) { return "b done", nil })
			v, err := b.Switch(nil)
			require.NoError(t, err)
			got = append(got, v)
			v, err = b.Switch("to dead b") // b is dead: lands back in a
			require.NoError(t, err)
			got = append(got, v)
			return "a done", nil
		})
		v, err := a.Switch(nil)
		require.NoError(t, err)
		assert.Equal(t, "a done", v)
		assert.Equal(t, []any{"b done", "to dead b"}, got)
		v, err = a.Switch(7)
		require.NoError(t, err)
		assert.Equal(t, 7, v)
	})
}

func TestSetParent(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		a := New(func(v any) (any, error) { return v, nil })
		b, err := NewWithParent(a, func(v any) (any, error) { return "from b", nil })
		require.NoError(t, err)
		assert.ErrorIs(t, a.SetParent(b), ErrCycle)
		assert.ErrorIs(t, a.SetParent(a), ErrCycle)
		assert.ErrorIs(t, a.SetParent(nil), ErrNilParent)
		_, err = NewWithParent(nil, nil)
		assert.ErrorIs(t, err, ErrNilParent)
		var e *Error
		require.ErrorAs(t, a.SetParent(nil), &e)
		assert.Equal(t, "set parent", e.Op)
		assert.Equal(t, a.ID(), e.Greenlet)

		// b's result goes to a (unstarted: started by it) then a's to main.
		v, err := b.Switch(nil)
		require.NoError(t, err)
		assert.Equal(t, "from b", v)

		var foreign *Greenlet
		done := make(chan struct{})
		go func() {
			defer close(done)
			fm := Current()
			foreign = New(nil)
			assert.NoError(t, fm.Close())
		}()
		<-done
		assert.ErrorIs(t, a.SetParent(foreign), ErrForeignParent)
	})
}

func TestWrongGoroutine(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		g := New(func(v any) (any, error) {
			_, err := m.Switch(nil)
			return nil, err
		})
		_, err := g.Switch(nil)
		require.NoError(t, err)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := g.Switch(1)
			assert.ErrorIs(t, err, ErrWrongGoroutine)
			_, err = g.Throw(nil)
			assert.ErrorIs(t, err, ErrWrongGoroutine)
			assert.ErrorIs(t, g.SetParent(m), ErrWrongGoroutine)
			_, err = NewWithParent(m, nil)
			assert.ErrorIs(t, err, ErrWrongGoroutine)
			assert.ErrorIs(t, m.KillAll(), ErrWrongGoroutine)
			assert.False(t, g.OwnedByCaller())
		}()
		wg.Wait()
		assert.True(t, g.OwnedByCaller())
		assert.True(t, g.Active(), "state untouched by the foreign calls")
	})
}

func TestSiblingsAndNesting(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		var trace []string
		var a, b *Greenlet
		a = New(func(any) (any, error) {
			trace = append(trace, "a1")
			v, _ := b.Switch("from a")
			trace = append(trace, "a2 "+v.(string))
			return "a end", nil
		})
		b = New(func(v any) (any, error) {
			trace = append(trace, "b1 "+v.(string))
			// Three levels: c under b.
			c := New(func(any) (any, error) {
				trace = append(trace, "c")
				w, _ := a.Switch("from c")
				return w, nil
			})
			w, err := c.Switch(nil)
			trace = append(trace, "b2")
			return w, err
		})
		v, err := a.Switch(nil)
		require.NoError(t, err)
		assert.Equal(t, "a end", v)
		assert.Equal(t, []string{"a1", "b1 from a", "c", "a2 from c"}, trace)
		// b and c are suspended; KillAll (from Close) must end them.
		assert.True(t, b.Active())
	})
}

func TestKillAllRunsDefersAndLeavesNothing(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		var cleaned []string
		stubborn := New(func(any) (any, error) {
			defer func() { cleaned = append(cleaned, "stubborn") }()
			for {
				_, err := m.Switch(nil)
				if err != nil {
					// Swallows GreenletExit and carries on; KillAll stops it.
					_, err = m.Switch(nil)
					assert.ErrorIs(t, err, ErrStopped)
					_, err = m.Switch(nil)
					assert.ErrorIs(t, err, ErrStopped)
					return nil, nil
				}
			}
		})
		polite := New(func(any) (any, error) {
			defer func() { cleaned = append(cleaned, "polite") }()
			_, err := m.Switch(nil)
			return nil, err
		})
		unstarted := New(nil)
		for _, g := range []*Greenlet{stubborn, polite} {
			_, err := g.Switch(nil)
			require.NoError(t, err)
		}
		require.NoError(t, m.KillAll())
		assert.ElementsMatch(t, []string{"stubborn", "polite"}, cleaned)
		assert.True(t, stubborn.Dead())
		assert.True(t, polite.Dead())
		assert.False(t, unstarted.Started())
		assert.Nil(t, polite.Stack())
	})
}

func TestKillAllNeedsRunningMain(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		g := New(func(any) (any, error) {
			return nil, m.KillAll()
		})
		_, err := g.Switch(nil)
		assert.ErrorIs(t, err, ErrNotMain)
		assert.ErrorIs(t, g.KillAll(), ErrNotMain)
	})
}

func TestCloseReleasesOwner(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		m := Current()
		g := New(func(any) (any, error) { _, err := m.Switch(nil); return nil, err })
		_, err := g.Switch(nil)
		assert.NoError(t, err)
		u := New(nil)
		assert.NoError(t, m.Close())
		assert.True(t, m.Dead())
		_, err = u.Switch(nil)
		assert.ErrorIs(t, err, ErrClosed)
		_, err = g.Switch(nil)
		assert.ErrorIs(t, err, ErrClosed)
		// A throw would have to start u's coroutine, which nothing could
		// stop any more.
		_, err = u.Throw(nil)
		assert.ErrorIs(t, err, ErrClosed)
		assert.False(t, u.Started())
		_, err = g.Throw(nil)
		assert.ErrorIs(t, err, ErrClosed)
		_, err = m.Switch(nil)
		assert.ErrorIs(t, err, ErrClosed)
		assert.True(t, m.Dead(), "a refused switch leaves the closed main dead")
		m2 := Current()
		assert.NotSame(t, m, m2)
		assert.ErrorIs(t, m.Close(), ErrNotMain)
		assert.NoError(t, m2.Close())
	}()
	<-done
}

func TestStackOfSuspendedGreenlet(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		g := New(func(any) (any, error) {
			assert.Contains(t, string(Current().Stack()), "TestStackOfSuspendedGreenlet")
			return parkHere(m)
		})
		_, err := g.Switch(nil)
		require.NoError(t, err)
		st := string(g.Stack())
		assert.True(t, strings.HasPrefix(st, "goroutine "), st)
		assert.Contains(t, st, "parkHere")
		assert.Contains(t, string(m.Stack()), "TestStackOfSuspendedGreenlet")
		assert.Nil(t, New(nil).Stack())
	})
}

//go:noinline
func parkHere(m *Greenlet) (any, error) {
	_, err := m.Switch(nil)
	return nil, err
}

func TestArgsAndStrings(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		g := New(func(v any) (any, error) { return v, nil })
		v, err := g.Switch(Args{1, "two"})
		require.NoError(t, err)
		assert.Equal(t, Args{1, "two"}, v)
		assert.True(t, strings.HasPrefix(m.String(), "main greenlet "))
		assert.True(t, strings.HasPrefix(g.String(), "greenlet "))
		assert.Equal(t, m.OwnerGoroutine(), g.OwnerGoroutine())
		e := &Error{Op: "switch", Greenlet: 3, Err: errForTest}
		assert.Equal(t, "greenlet 3: switch: test", e.Error())
		assert.Contains(t, (&PanicError{Greenlet: 2, Goexit: true}).Error(), "Goexit")
		assert.Nil(t, (&PanicError{Value: 1}).Unwrap())
	})
}

var errForTest = errors.New("test")

// TestStoppedGreenletUnwindsWithGreenletExit: a greenlet that swallows the
// GreenletExit of KillAll and switches again is stopped; its defers run
// during a panic whose value is an error matching ErrGreenletExit, so a
// deferred recover can tell the stop from a real panic.
func TestStoppedGreenletUnwindsWithGreenletExit(t *testing.T) {
	var recovered any
	withMain(t, func(m *Greenlet) {
		stubborn := New(func(any) (any, error) {
			defer func() {
				recovered = recover()
				panic(recovered) // the unwind must go on for the stop to finish
			}()
			_, err := m.Switch(nil)
			require.ErrorIs(t, err, ErrGreenletExit)
			_, err = m.Switch(nil) // never returns: KillAll stops the coroutine
			return nil, err
		})
		_, err := stubborn.Switch(nil)
		require.NoError(t, err)
		require.NoError(t, m.KillAll())
		assert.True(t, stubborn.Dead())
	})
	err, ok := recovered.(error)
	require.True(t, ok, "recovered %T %v", recovered, recovered)
	assert.ErrorIs(t, err, ErrGreenletExit)
}

// The zero Greenlet and a nil one (not made by New, NewWithParent or
// Current) answer every method with an error or a zero result; they used to
// panic on a nil owner.
func TestUncreatedGreenlet(t *testing.T) {
	for name, g := range map[string]*Greenlet{"zero": {}, "nil": nil} {
		_, err := g.Switch(1)
		assert.ErrorIs(t, err, ErrUncreated, name)
		_, err = g.Throw(nil)
		assert.ErrorIs(t, err, ErrUncreated, name)
		assert.ErrorIs(t, g.SetParent(Current()), ErrUncreated, name)
		assert.ErrorIs(t, g.KillAll(), ErrUncreated, name)
		assert.ErrorIs(t, g.Close(), ErrUncreated, name)
		_, err = NewWithParent(g, nil)
		if g == nil {
			assert.ErrorIs(t, err, ErrNilParent, name)
		} else {
			assert.ErrorIs(t, err, ErrUncreated, name)
		}
		assert.Nil(t, g.Main(), name)
		assert.Nil(t, g.Parent(), name)
		assert.Nil(t, g.Stack(), name)
		assert.False(t, g.IsMain() || g.Started() || g.Dead() || g.Active() || g.OwnedByCaller(), name)
		assert.Zero(t, g.OwnerGoroutine(), name)
		assert.Zero(t, g.ID(), name)
		assert.NotEmpty(t, g.String(), name)
	}
	require.NoError(t, Current().Close())
}
