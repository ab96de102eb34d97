package greenlet

import (
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// traceLog records trace events as "event origin>target", naming greenlets
// by their Value (main as "main"), and whether target was current.
type traceLog struct {
	events []string
}

func gname(g *Greenlet) string {
	if g.IsMain() {
		return "main"
	}
	return fmt.Sprint(g.Value)
}

func (l *traceLog) hook(ev string, from, to *Greenlet) {
	where := "in target"
	if Current() != to {
		where = "in " + gname(Current())
	}
	l.events = append(l.events, ev+" "+gname(from)+">"+gname(to)+" "+where)
}

// noEscape fails the test when a panic escapes f instead of crashing the
// test binary, so a regression is reported as a failure of this test.
func noEscape(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("panic escaped a switch: %v", r)
		}
	}()
	f()
}

var errHook = errors.New("hook failed")

// panicOn returns a hook that records every call and panics with errHook
// on the call numbered at (from 1).
func panicOn(at int, calls *[]string) TraceFunc {
	return func(ev string, from, to *Greenlet) {
		*calls = append(*calls, ev+" "+gname(from)+">"+gname(to))
		if len(*calls) == at {
			panic(errHook)
		}
	}
}

func TestTraceHookPanickingInStartingGreenletKillsItAndIsRemoved(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		noEscape(t, func() {
			var calls []string
			ran := false
			g := New(func(any) (any, error) { ran = true; return nil, nil })
			g.Value = "g"
			SetTrace(panicOn(1, &calls))
			_, err := g.Switch(nil)
			assert.Nil(t, Trace(), "a hook that panicked stays installed")
			var te *TraceError
			require.ErrorAs(t, err, &te)
			assert.ErrorIs(t, err, ErrTraceHook)
			assert.ErrorIs(t, err, errHook)
			assert.Equal(t, EventSwitch, te.Event)
			assert.Equal(t, g.ID(), te.Greenlet)
			assert.False(t, ran, "the greenlet runs although its start raised")
			assert.True(t, g.Dead())
			assert.Equal(t, []string{"switch main>g"}, calls)
		})
	})
}

func TestTraceHookPanickingInMainIsRaisedByItsSwitchAndRemoved(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		noEscape(t, func() {
			var calls []string
			var got []any
			g := New(func(any) (any, error) {
				v, err := m.Switch("parked")
				got = append(got, v, err)
				return "g end", nil
			})
			g.Value = "g"
			SetTrace(panicOn(2, &calls))
			v, err := g.Switch(nil)
			assert.Nil(t, v, "the value of the switch is dropped, as python drops it")
			assert.ErrorIs(t, err, errHook)
			assert.Nil(t, Trace())
			v, err = g.Switch("again")
			require.NoError(t, err)
			assert.Equal(t, "g end", v)
			assert.Equal(t, []any{"again", nil}, got)
			assert.Equal(t, []string{"switch main>g", "switch g>main"}, calls)
		})
	})
}

func TestTraceHookPanickingInResumedGreenletIsRaisedThere(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		noEscape(t, func() {
			var calls []string
			var got error
			errThrown := errors.New("thrown")
			g := New(func(any) (any, error) {
				_, got = m.Switch(nil)
				return "g end", nil
			})
			g.Value = "g"
			_, err := g.Switch(nil)
			require.NoError(t, err)
			SetTrace(panicOn(1, &calls))
			v, err := g.Throw(errThrown)
			require.NoError(t, err)
			assert.Equal(t, "g end", v)
			assert.ErrorIs(t, got, errHook)
			assert.NotErrorIs(t, got, errThrown, "the hook's panic replaces the thrown error")
			var te *TraceError
			require.ErrorAs(t, got, &te)
			assert.Equal(t, EventThrow, te.Event)
			assert.Nil(t, Trace())
			assert.Equal(t, []string{"throw main>g"}, calls)
		})
	})
}

func TestTraceHookGoexitIsRemoved(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		g := New(func(any) (any, error) { return "unreached", nil })
		SetTrace(func(string, *Greenlet, *Greenlet) { runtime.Goexit() })
		_, err := g.Switch(nil)
		assert.ErrorIs(t, err, ErrGoexit)
		assert.Nil(t, Trace())
	})
}

// The hook of a throw into an unstarted greenlet runs in that greenlet, as
// in python-greenlet, which starts it to raise the error at its first
// instruction.
func TestTraceOfThrowIntoUnstartedRunsInTarget(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		var l traceLog
		var active []bool
		u := New(func(any) (any, error) { return nil, nil })
		u.Value = "u"
		v := New(func(any) (any, error) { return nil, nil })
		v.Value = "v"
		SetTrace(func(ev string, from, to *Greenlet) {
			l.hook(ev, from, to)
			active = append(active, to.Active())
		})
		r, err := u.Throw(nil)
		require.NoError(t, err)
		assert.ErrorIs(t, r.(error), ErrGreenletExit)
		_, err = v.Throw(errForTest)
		assert.ErrorIs(t, err, errForTest)
		SetTrace(nil)
		assert.Equal(t, []string{
			"throw main>u in target", "switch u>main in target",
			"throw main>v in target", "throw v>main in target",
		}, l.events)
		assert.Equal(t, []bool{true, true, true, true}, active)
		assert.True(t, u.Dead())
		assert.True(t, v.Dead())
	})
}

// A GreenletExit that reaches an unstarted greenlet as the value of a death
// starts it with nil, as python-greenlet starts it with no arguments; a
// suspended one receives the GreenletExit itself.
func TestGreenletExitStartsUnstartedParentWithNil(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		var args []any
		parent := func() *Greenlet {
			return New(func(v any) (any, error) {
				args = append(args, v)
				return m.Switch("parked")
			})
		}
		// A child that dies of GreenletExit.
		p := parent()
		c, err := NewWithParent(p, func(any) (any, error) {
			return nil, fmt.Errorf("%w: bye", ErrGreenletExit)
		})
		require.NoError(t, err)
		v, err := c.Switch(nil)
		require.NoError(t, err)
		assert.Equal(t, "parked", v)

		// An unstarted child thrown GreenletExit.
		p = parent()
		c, err = NewWithParent(p, func(any) (any, error) { return nil, nil })
		require.NoError(t, err)
		v, err = c.Throw(nil)
		require.NoError(t, err)
		assert.Equal(t, "parked", v)

		// A dead child thrown GreenletExit goes to its unstarted parent.
		c = New(func(any) (any, error) { return nil, nil })
		_, err = c.Switch(nil)
		require.NoError(t, err)
		require.NoError(t, c.SetParent(parent()))
		v, err = c.Throw(nil)
		require.NoError(t, err)
		assert.Equal(t, "parked", v)
		assert.Equal(t, []any{nil, nil, nil}, args)

		// An ErrGreenletExit switched in as a plain value is passed on.
		args = nil
		v, err = parent().Switch(ErrGreenletExit)
		require.NoError(t, err)
		assert.Equal(t, "parked", v)
		assert.Equal(t, []any{ErrGreenletExit}, args)

		// A suspended parent gets the GreenletExit as its switch's value.
		var got any
		q := New(func(any) (any, error) {
			got, err = m.Switch(nil)
			return "q end", err
		})
		_, err = q.Switch(nil)
		require.NoError(t, err)
		c, err = NewWithParent(q, func(any) (any, error) { return nil, nil })
		require.NoError(t, err)
		v, err = c.Throw(nil)
		require.NoError(t, err)
		assert.Equal(t, "q end", v)
		assert.ErrorIs(t, got.(error), ErrGreenletExit)
	})
}

func TestTraceHook(t *testing.T) {
	withMain(t, func(m *Greenlet) {
		var events []string
		name := func(g *Greenlet) string {
			if g.IsMain() {
				return "main"
			}
			return g.Value.(string)
		}
		old := SetTrace(func(ev string, from, to *Greenlet) {
			events = append(events, ev+" "+name(from)+">"+name(to))
		})
		assert.Nil(t, old)
		assert.NotNil(t, Trace())
		g := New(func(any) (any, error) { _, err := m.Switch(nil); return nil, err })
		g.Value = "g"
		_, _ = g.Switch(nil)
		_, _ = g.Throw(nil)
		u := New(nil)
		u.Value = "u"
		_, _ = u.Throw(nil)
		SetTrace(nil)
		assert.Equal(t, []string{
			"switch main>g", "switch g>main",
			"throw main>g", "switch g>main",
			"throw main>u", "switch u>main",
		}, events)
	})
}

// A Goexit in a trace hook cannot be turned into a *TraceError, as a panic
// is: it unwinds the target, as the TraceFunc doc says (it promised a
// *TraceError before).
func TestTraceHookGoexitUnwindsTarget(t *testing.T) {
	t.Run("resumed greenlet dies of it", func(t *testing.T) {
		withMain(t, func(m *Greenlet) {
			returned := false
			g := New(func(any) (any, error) {
				m.Switch(nil)
				returned = true
				return "after", nil
			})
			_, err := g.Switch(nil)
			require.NoError(t, err)
			SetTrace(func(_ string, _, tg *Greenlet) {
				if tg == g {
					runtime.Goexit()
				}
			})
			_, err = g.Switch(nil)
			assert.ErrorIs(t, err, ErrGoexit)
			assert.False(t, returned)
			assert.True(t, g.Dead())
			assert.Nil(t, Trace())
		})
	})
	t.Run("main greenlet's goroutine exits", func(t *testing.T) {
		returned := false
		withMain(t, func(m *Greenlet) {
			g := New(func(any) (any, error) { return "done", nil })
			SetTrace(func(_ string, _, tg *Greenlet) {
				if tg == m {
					runtime.Goexit()
				}
			})
			g.Switch(nil)
			returned = true
		})
		assert.False(t, returned)
	})
}
