package greenlet

import (
	"errors"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownerSurvives runs f in a fresh owner and fails the test when the owner
// goroutine did not get past f: iter.Pull propagates a runtime.Goexit of a
// coroutine to the goroutine that resumed it.
func ownerSurvives(t *testing.T, f func(m *Greenlet)) {
	t.Helper()
	returned := false
	withMain(t, func(m *Greenlet) {
		f(m)
		// The owner still switches.
		v, err := New(func(v any) (any, error) { return v, nil }).Switch(5)
		assert.NoError(t, err)
		assert.Equal(t, 5, v)
		returned = true
	})
	require.True(t, returned, "the owner goroutine ended: a Goexit reached it")
}

// requirePanic checks that err is the *PanicError of a panic with value v
// (not of a Goexit).
func requirePanic(t *testing.T, err error, v any) {
	t.Helper()
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, v, pe.Value)
	assert.False(t, pe.Goexit)
}

// killDuringGoexit starts g, which parks in a deferred call during its
// Goexit, then kills it with KillAll.
func killDuringGoexit(t *testing.T, m, g *Greenlet) {
	v, err := g.Switch(nil)
	require.NoError(t, err)
	require.Equal(t, "parked", v)
	assert.NoError(t, m.KillAll())
}

// A body unwinding from runtime.Goexit whose defers panic, recover, or
// meet a Throw or a KillAll ends the greenlet only: what happened reaches
// the parent's Switch as an error, and the Goexit, which no recover stops,
// never reaches the greenlet that switched into it.
func TestGoexitRoutesEndTheGreenletOnly(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name string
		run  Func
		// check switches into g (m is the running greenlet, g's parent) and
		// checks what came back.
		check func(t *testing.T, m, g *Greenlet)
		// kill: check calls m.KillAll, so m must be the main greenlet.
		kill bool
	}{
		{
			name: "a deferred call panics during Goexit",
			run: func(any) (any, error) {
				defer func() { panic("in defer") }()
				runtime.Goexit()
				return nil, nil
			},
			check: func(t *testing.T, _, g *Greenlet) {
				_, err := g.Switch(nil)
				requirePanic(t, err, "in defer")
				var pe *PanicError
				require.ErrorAs(t, err, &pe)
				assert.Contains(t, string(pe.Stack), "runtime.Goexit(")
			},
		},
		{
			name: "two deferred calls panic in turn during Goexit",
			run: func(any) (any, error) {
				defer func() { panic("second") }()
				defer func() { panic("first") }()
				runtime.Goexit()
				return nil, nil
			},
			check: func(t *testing.T, _, g *Greenlet) {
				_, err := g.Switch(nil)
				requirePanic(t, err, "second")
			},
		},
		{
			name: "a deferred call recovers another's panic during Goexit",
			run: func(any) (any, error) {
				defer func() { assert.Equal(t, "in defer", recover()) }()
				defer func() { panic("in defer") }()
				runtime.Goexit()
				return nil, nil
			},
			check: func(t *testing.T, _, g *Greenlet) {
				_, err := g.Switch(nil)
				assert.ErrorIs(t, err, ErrGoexit)
			},
		},
		{
			name: "a nested defer recovers during Goexit",
			run: func(any) (any, error) {
				defer func() {
					defer func() { assert.Equal(t, "nested", recover()) }()
					panic("nested")
				}()
				runtime.Goexit()
				return nil, nil
			},
			check: func(t *testing.T, _, g *Greenlet) {
				_, err := g.Switch(nil)
				assert.ErrorIs(t, err, ErrGoexit)
			},
		},
		{
			name: "Goexit during a panic",
			run: func(any) (any, error) {
				defer runtime.Goexit()
				panic("first")
			},
			check: func(t *testing.T, _, g *Greenlet) {
				_, err := g.Switch(nil)
				assert.ErrorIs(t, err, ErrGoexit)
			},
		},
		{
			name: "a panic after a Goexit during a panic",
			run: func(any) (any, error) {
				defer func() { panic("last") }()
				defer runtime.Goexit()
				panic("first")
			},
			check: func(t *testing.T, _, g *Greenlet) {
				_, err := g.Switch(nil)
				requirePanic(t, err, "last")
			},
		},
		{
			name: "a throw during Goexit, raised again by the deferred call",
			run: func(any) (any, error) {
				defer func() {
					_, err := Current().Parent().Switch("parked")
					panic(err)
				}()
				runtime.Goexit()
				return nil, nil
			},
			check: func(t *testing.T, _, g *Greenlet) {
				v, err := g.Switch(nil)
				require.NoError(t, err)
				require.Equal(t, "parked", v)
				_, err = g.Throw(boom)
				requirePanic(t, err, boom)
				assert.ErrorIs(t, err, boom)
			},
		},
		{
			name: "a throw during Goexit, absorbed by the deferred call",
			run: func(any) (any, error) {
				defer func() {
					_, err := Current().Parent().Switch("parked")
					assert.ErrorIs(t, err, boom)
				}()
				runtime.Goexit()
				return nil, nil
			},
			check: func(t *testing.T, _, g *Greenlet) {
				_, err := g.Switch(nil)
				require.NoError(t, err)
				_, err = g.Throw(boom)
				assert.ErrorIs(t, err, ErrGoexit)
			},
		},
		{
			name: "KillAll during Goexit, the deferred call surviving its throw",
			run: func(any) (any, error) {
				defer func() {
					p := Current().Parent()
					_, err := p.Switch("parked")
					assert.ErrorIs(t, err, ErrGreenletExit)
					_, err = p.Switch("survived")
					assert.Fail(t, "a stopped greenlet switched", "%v", err)
				}()
				runtime.Goexit()
				return nil, nil
			},
			check: killDuringGoexit,
			kill:  true,
		},
		{
			name: "KillAll during Goexit, a nested defer recovering the stop",
			run: func(any) (any, error) {
				defer func() {
					defer func() { assert.ErrorIs(t, recover().(error), ErrGreenletExit) }()
					p := Current().Parent()
					_, _ = p.Switch("parked")
					_, _ = p.Switch("survived")
				}()
				runtime.Goexit()
				return nil, nil
			},
			check: killDuringGoexit,
			kill:  true,
		},
		{
			name: "KillAll during Goexit, the deferred call panicking after the stop",
			run: func(any) (any, error) {
				defer func() {
					defer func() { panic("after the stop") }()
					p := Current().Parent()
					_, _ = p.Switch("parked")
					_, _ = p.Switch("survived")
				}()
				runtime.Goexit()
				return nil, nil
			},
			check: killDuringGoexit,
			kill:  true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ownerSurvives(t, func(m *Greenlet) {
				g := New(tc.run)
				tc.check(t, m, g)
				assert.True(t, g.Dead())
			})
		})
		if tc.kill {
			continue
		}
		t.Run(tc.name+", resumed by a greenlet", func(t *testing.T) {
			ownerSurvives(t, func(m *Greenlet) {
				var g *Greenlet
				resumer := New(func(any) (any, error) {
					g = New(tc.run)
					tc.check(t, Current(), g)
					return "resumer returned", nil
				})
				v, err := resumer.Switch(nil)
				require.NoError(t, err)
				assert.Equal(t, "resumer returned", v)
				assert.True(t, g.Dead())
			})
		})
	}
}
