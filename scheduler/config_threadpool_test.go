package scheduler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// The hub's configured thread pool size is the size of its default pool.
func TestConfigThreadpoolSize(t *testing.T) {
	t.Setenv(scheduler.EnvThreadpoolSize, "")
	require.NoError(t, scheduler.Config{ThreadpoolSize: 3}.Main(func() error {
		assert.Equal(t, 3, threadpool.Default().Size())
		return nil
	}))
	require.NoError(t, scheduler.Main(func() error {
		assert.Equal(t, threadpool.DefaultSize, threadpool.Default().Size())
		return nil
	}))
}
