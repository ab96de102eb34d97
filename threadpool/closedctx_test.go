package threadpool_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// Regression: a closed pool refuses with ErrClosed whatever the context, as Spawn does; Apply,
// ApplyCallback and Map given a context that had ended already reported the context's end
// instead, so a caller (package resolver) could not tell a closed pool from a hurried one.
func TestClosedPoolWinsOverAnEndedContext(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		p, err := threadpool.New(1)
		require.NoError(t, err)
		require.NoError(t, p.Close())
		ended, cancel := context.WithCancel(context.Background())
		cancel()
		one := func() (int, error) { return 1, nil }
		calls := map[string]func(context.Context) error{
			"Apply": func(ctx context.Context) error { _, err := threadpool.Apply(ctx, p, one); return err },
			"ApplyCallback": func(ctx context.Context) error {
				_, err := threadpool.ApplyCallback(ctx, p, one, func(int) error { return nil })
				return err
			},
			"Map": func(ctx context.Context) error {
				_, err := threadpool.Map(ctx, p, func(i int) (int, error) { return i, nil }, []int{1})
				return err
			},
			"Map of no items": func(ctx context.Context) error {
				_, err := threadpool.Map(ctx, p, func(i int) (int, error) { return i, nil }, nil)
				return err
			},
			"Imap": func(ctx context.Context) error {
				for _, err := range threadpool.Imap(ctx, p, func(i int) (int, error) { return i, nil }, slices.Values([]int{1})) {
					return err
				}
				return nil
			},
		}
		for name, call := range calls {
			for ctxName, ctx := range map[string]context.Context{"live": context.Background(), "ended": ended} {
				err := call(ctx)
				assert.ErrorIs(t, err, threadpool.ErrClosed, "%s, %s context", name, ctxName)
				op, _, _ := strings.Cut(name, " ")
				assert.ErrorContains(t, err, "threadpool: "+op+": ", "%s, %s context", name, ctxName)
			}
		}
		return nil
	}))
}
