package pool_test

import (
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

// endless yields 0, 1, 2, ... and counts what was pulled.
func endless(pulled *int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; ; i++ {
			*pulled++
			if !yield(i) {
				return
			}
		}
	}
}

// lookAhead iterates seq until it yielded n pairs, letting the feeder run
// a few hub turns inside each loop body, and returns the most greenlets
// spawned and not yet yielded seen in a body.
func lookAhead(t *testing.T, seq iter.Seq2[int, error], spawned *int, n int) int {
	t.Helper()
	most, yielded := 0, 0
	for _, err := range seq {
		require.NoError(t, err)
		yielded++
		for range 5 {
			require.NoError(t, scheduler.Sleep(bg, 0))
		}
		most = max(most, *spawned-yielded)
		if yielded == n {
			break
		}
	}
	assert.Equal(t, n, yielded)
	return most
}

// TestImapMaxSize: with ImapMaxSize(n), no more than n greenlets are
// spawned ahead of what the loop took, and that many are, even on a Group
// whose spawn never waits and with an endless items; without it a Group
// spawns on. Breaking out ends it as usual.
func TestImapMaxSize(t *testing.T) {
	type imapFunc = func(*pool.Group, func(int) (int, error), iter.Seq[int], ...pool.ImapOption) iter.Seq2[int, error]
	run(t, func() error {
		for name, imap := range map[string]imapFunc{
			"Imap": func(g *pool.Group, fn func(int) (int, error), items iter.Seq[int], opts ...pool.ImapOption) iter.Seq2[int, error] {
				return pool.Imap(bg, g, fn, items, opts...)
			},
			"ImapUnordered": func(g *pool.Group, fn func(int) (int, error), items iter.Seq[int], opts ...pool.ImapOption) iter.Seq2[int, error] {
				return pool.ImapUnordered(bg, g, fn, items, opts...)
			},
		} {
			for _, n := range []int{0, 1, 3} {
				g := pool.NewGroup()
				spawned, pulled := 0, 0
				fn := func(x int) (int, error) { spawned++; return x, scheduler.Sleep(bg, 0) }
				most := lookAhead(t, imap(g, fn, endless(&pulled), pool.ImapMaxSize(n)), &spawned, 10)
				assert.Equal(t, n, most, "%s maxsize %d: look-ahead", name, n)
				assert.LessOrEqual(t, pulled, 10+n+1, "%s maxsize %d: items pulled", name, n)
				require.NoError(t, g.Join(testctx.Within(t, time.Second)))
			}
			g := pool.NewGroup()
			spawned := 0
			fn := func(x int) (int, error) { spawned++; return x, scheduler.Sleep(bg, 0) }
			most := lookAhead(t, imap(g, fn, slices.Values(make([]int, 20)), pool.ImapOption{}), &spawned, 2)
			assert.Equal(t, 19, most, "%s: a zero ImapOption bounds nothing", name)
			require.NoError(t, g.Join(testctx.Within(t, time.Second)))
		}
		return nil
	})
}

// TestImapMaxSizeOnPool: on a Pool the smaller of its size and the
// maxsize bounds the look-ahead; the last option counts.
func TestImapMaxSizeOnPool(t *testing.T) {
	run(t, func() error {
		p := mustNew(t, 2)
		spawned, pulled := 0, 0
		fn := func(x int) (int, error) { spawned++; return x, scheduler.Sleep(bg, 0) }
		most := lookAhead(t, pool.Imap(bg, p, fn, endless(&pulled), pool.ImapMaxSize(1), pool.ImapMaxSize(5)), &spawned, 20)
		assert.Equal(t, 5, most, "the last option counts")
		require.NoError(t, p.Join(testctx.Within(t, time.Second)))
		return nil
	})
}

// TestImapBadMaxSize: a negative maxsize is yielded as ErrBadMaxSize, once,
// and nothing is pulled or spawned.
func TestImapBadMaxSize(t *testing.T) {
	run(t, func() error {
		g := pool.NewGroup()
		pulled := 0
		for name, seq := range map[string]iter.Seq2[int, error]{
			"Imap":          pool.Imap(bg, g, func(x int) (int, error) { return x, nil }, endless(&pulled), pool.ImapMaxSize(-1)),
			"ImapUnordered": pool.ImapUnordered(bg, g, func(x int) (int, error) { return x, nil }, endless(&pulled), pool.ImapMaxSize(-1)),
		} {
			var errs []error
			for _, err := range seq {
				errs = append(errs, err)
			}
			require.Len(t, errs, 1, name)
			assert.ErrorIs(t, errs[0], pool.ErrBadMaxSize, name)
			var pe *pool.Error
			require.ErrorAs(t, errs[0], &pe, name)
			assert.Equal(t, name, pe.Op)
		}
		assert.Zero(t, pulled)
		assert.Zero(t, g.Len())
		return nil
	})
}
