package pool_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// TestImapEarlyEndFreesSlots: once an Imap loop that broke out (or whose
// ctx ended) is over, the greenlets it killed have left the pool: Len is 0
// and a TrySpawn finds a free slot (before, they were dead but still
// members until their links ran, so the pool was full right after the loop).
func TestImapEarlyEndFreesSlots(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		run(t, func() error {
			p := mustNew(t, 2)
			imap := pool.Imap[int, int]
			if unordered {
				imap = pool.ImapUnordered[int, int]
			}
			for _, err := range imap(bg, p, func(x int) (int, error) {
				return x, scheduler.Sleep(bg, time.Duration(x+1)*time.Millisecond)
			}, slices.Values([]int{0, 1, 2, 3, 4, 5})) {
				require.NoError(t, err)
				break
			}
			assert.Zero(t, p.Len(), "unordered=%v", unordered)
			assert.Equal(t, 2, p.FreeCount())
			g, err := pool.TrySpawn(p, func() (int, error) { return 1, nil })
			require.NoError(t, err, "unordered=%v", unordered)
			require.NoError(t, g.Join(bg))

			ctx := testctx.Within(t, 5*time.Millisecond)
			for _, err := range imap(ctx, p, func(x int) (int, error) {
				return x, scheduler.Sleep(bg, time.Hour)
			}, slices.Values([]int{0, 1, 2})) {
				assert.ErrorIs(t, err, scheduler.ErrTimeout)
			}
			assert.Zero(t, p.Len(), "after ctx's end, unordered=%v", unordered)
			assert.Equal(t, 2, p.FreeCount())
			return nil
		})
	}
}

// TestImapMaxSizeMaxInt: ImapMaxSize(math.MaxInt), "no real bound", runs
// every item (before, the look-ahead semaphore's counter wrapped around to
// a negative value and nothing ever ran: the loop waited until ctx ended).
func TestImapMaxSizeMaxInt(t *testing.T) {
	run(t, func() error {
		ctx := testctx.Within(t, 10*time.Second)
		var got []int
		for v, err := range pool.Imap(ctx, pool.NewGroup(), func(x int) (int, error) { return x * 10, nil },
			slices.Values([]int{1, 2, 3}), pool.ImapMaxSize(math.MaxInt)) {
			require.NoError(t, err)
			got = append(got, v)
		}
		assert.Equal(t, []int{10, 20, 30}, got)
		return nil
	})
}
