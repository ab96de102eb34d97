package greenlet

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testproc"
)

// Regression: under GODEBUG=panicnil=1 recover returns nil for panic(nil), as
// for a runtime.Goexit, but stops the panic. A body's panic(nil) was taken
// for a Goexit (a *PanicError with Goexit set), and a trace hook's was
// dropped: the hook was removed and the switch went on as if it had
// returned. Now the body's is a panic whose value is nil and the hook's a
// *TraceError, while a Goexit is still one. GODEBUG is read at start-up, so
// the test runs in a child process of its own.
func TestPanicNilIsAPanic(t *testing.T) {
	if !testproc.PanicNilChild(t) {
		return
	}
	t.Run("body", func(t *testing.T) {
		ownerSurvives(t, func(*Greenlet) {
			g := New(func(any) (any, error) { panic(nil) })
			_, err := g.Switch(nil)
			var pe *PanicError
			require.ErrorAs(t, err, &pe)
			assert.False(t, pe.Goexit, "taken for a Goexit")
			assert.Nil(t, pe.Value)
			assert.Contains(t, string(pe.Stack), "panicnil_test.go")
			assert.True(t, g.Dead())
		})
	})
	t.Run("body's Goexit", func(t *testing.T) {
		ownerSurvives(t, func(*Greenlet) {
			g := New(func(any) (any, error) { runtime.Goexit(); return nil, nil })
			_, err := g.Switch(nil)
			var pe *PanicError
			require.ErrorAs(t, err, &pe)
			assert.True(t, pe.Goexit)
			assert.True(t, g.Dead())
		})
	})
	t.Run("trace hook", func(t *testing.T) {
		withMain(t, func(*Greenlet) {
			ran := false
			g := New(func(any) (any, error) { ran = true; return nil, nil })
			SetTrace(func(string, *Greenlet, *Greenlet) { panic(nil) })
			_, err := g.Switch(nil)
			assert.Nil(t, Trace(), "a hook that panicked stays installed")
			var te *TraceError
			require.ErrorAs(t, err, &te)
			assert.ErrorIs(t, err, ErrTraceHook)
			assert.Nil(t, te.Value)
			assert.False(t, ran, "the greenlet runs although its start raised")
		})
	})
}
