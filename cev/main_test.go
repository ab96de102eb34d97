package cev

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newLoop returns a loop destroyed at the end of the test.
func newLoop(t testing.TB, opts ...LoopOption) *Loop {
	t.Helper()
	l, err := NewLoop(opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		if !l.closed {
			require.NoError(t, l.Destroy())
		}
	})
	return l
}
