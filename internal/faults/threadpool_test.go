package faults

import (
	"context"
	"testing"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// poolOp is a threadpool wait whose function blocks until released; after the
// kill the function is released and its result must still arrive where it
// belongs, and the pool must end empty.
func poolOp(t *testing.T, wait func(ctx context.Context, p *threadpool.ThreadPool, fn func() (int, error)) error, result func() *threadpool.Result[int]) blockingOp {
	p, err := threadpool.New(2)
	require.NoError(t, err)
	release := make(chan struct{})
	released := false
	fn := func() (int, error) {
		<-release
		return 42, nil
	}
	return blockingOp{
		block: func(ctx context.Context) error { return wait(ctx, p, fn) },
		check: func(t *testing.T) {
			close(release)
			released = true
			if result != nil {
				// The result outlives the killed waiter: nothing lost.
				v, err := result().Get(bg)
				require.NoError(t, err)
				assert.Equal(t, 42, v)
			}
		},
		cleanup: func() {
			if !released {
				close(release)
			}
			require.NoError(t, p.Close())
		},
	}
}

func TestKillBlockedInThreadpoolApply(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		return poolOp(t, func(ctx context.Context, p *threadpool.ThreadPool, fn func() (int, error)) error {
			_, err := threadpool.Apply(ctx, p, fn)
			return err
		}, nil)
	})
}

func TestKillBlockedInThreadpoolResultGet(t *testing.T) {
	killWhileBlocked(t, func(t *testing.T, h *scheduler.Hub) blockingOp {
		var r *threadpool.Result[int]
		return poolOp(t, func(ctx context.Context, p *threadpool.ThreadPool, fn func() (int, error)) error {
			r = threadpool.Spawn(p, fn)
			_, err := r.Get(ctx)
			return err
		}, func() *threadpool.Result[int] { return r })
	})
}
