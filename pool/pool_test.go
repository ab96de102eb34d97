package pool_test

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func run(t testing.TB, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

func TestBadSize(t *testing.T) {
	_, err := pool.NewPool(-1)
	assert.ErrorIs(t, err, pool.ErrBadSize)
}

func TestPoolLimitAndFull(t *testing.T) {
	run(t, func() error {
		p, err := pool.NewPool(2)
		require.NoError(t, err)
		running, peak := 0, 0
		for range 6 {
			_, err := pool.Spawn(p, func() (int, error) {
				running++
				peak = max(peak, running)
				err := scheduler.Sleep(time.Millisecond)
				running--
				return 0, err
			})
			require.NoError(t, err)
		}
		assert.True(t, p.Full())
		_, err = pool.TrySpawn(p, func() (int, error) { return 0, nil })
		assert.ErrorIs(t, err, pool.ErrPoolFull)
		assert.ErrorIs(t, err, queue.ErrFull)
		ok, err := p.Join(scheduler.Forever, false)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, 2, peak)
		assert.Equal(t, 2, p.FreeCount())
		return nil
	})
}

func TestMapErrorsAndImapBreak(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		boom := errors.New("boom")
		out, err := pool.Map(g, func(x int) (int, error) {
			if x == 2 {
				return 0, boom
			}
			return x, nil
		}, []int{0, 1, 2, 3})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, []int{0, 1, 0, 3}, out)
		p, _ := pool.NewPool(2)
		n := 0
		for v, err := range pool.Imap(p, func(x int) (int, error) { return x, scheduler.Sleep(0) }, slices.Values([]int{0, 1, 2, 3, 4, 5})) {
			require.NoError(t, err)
			assert.Equal(t, n, v)
			n++
			if n == 2 {
				break
			}
		}
		ok, err := p.Join(time.Second, false)
		require.NoError(t, err)
		assert.True(t, ok, "breaking out kills the rest")
		return nil
	})
}

func TestGroupKillAndJoinRaise(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		boom := errors.New("boom")
		bad, _ := pool.Spawn(g, func() (int, error) { return 0, boom })
		long, _ := pool.Spawn(g, func() (int, error) { return 0, scheduler.Sleep(time.Hour) })
		require.NoError(t, scheduler.Sleep(0))
		assert.True(t, bad.Dead())
		require.NoError(t, g.Kill(nil, true, scheduler.Forever))
		assert.True(t, long.Dead())
		assert.Equal(t, 0, g.Len())
		return nil
	})
}

func ExamplePool() {
	_ = scheduler.Main(func() error {
		p, _ := pool.NewPool(2)
		out, err := pool.Map(p, func(x int) (int, error) { return x * x, scheduler.Sleep(0) }, []int{1, 2, 3, 4})
		fmt.Println(out, err)
		return nil
	})
	// Output: [1 4 9 16] <nil>
}

// BenchmarkPoolMap100k maps 100,000 items over a Pool(100); ns/op is per
// item.
func BenchmarkPoolMap100k(b *testing.B) {
	const n = 100000
	items := make([]int, n)
	run(b, func() error {
		scheduler.GetHub().SetBlockingThreshold(0)
		p, _ := pool.NewPool(100)
		b.ResetTimer()
		for range b.N {
			if _, err := pool.Map(p, func(x int) (int, error) { return x, nil }, items); err != nil {
				return err
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		return nil
	})
}

// TestImapItemsPanic: a panic inside the items sequence comes out of Imap
// and ImapUnordered as a *scheduler.PanicError after the items before it,
// and the iteration ends; before, the feeder died without its end marker
// and the consumer waited until LoopExit.
func TestImapItemsPanic(t *testing.T) {
	items := func(yield func(int) bool) {
		for i := range 3 {
			if !yield(i) {
				return
			}
		}
		panic("items broke")
	}
	run(t, func() error {
		p, err := pool.NewPool(2)
		require.NoError(t, err)
		for name, seq := range map[string]iter.Seq2[int, error]{
			"Imap":          pool.Imap(p, func(x int) (int, error) { return x * 10, nil }, items),
			"ImapUnordered": pool.ImapUnordered(p, func(x int) (int, error) { return x * 10, nil }, items),
		} {
			var got []int
			var errs []error
			for v, err := range seq {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				got = append(got, v)
			}
			assert.ElementsMatch(t, []int{0, 10, 20}, got, name)
			require.Len(t, errs, 1, name)
			var pe *scheduler.PanicError
			require.ErrorAs(t, errs[0], &pe, name)
			assert.Equal(t, "items broke", pe.Value, name)
		}
		assert.Zero(t, p.Len(), "no greenlet left in the pool")
		return nil
	})
}
