package queue_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bg is the context of waits that only their own events end.
var bg = context.Background()

func run(t testing.TB, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}
