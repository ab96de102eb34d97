package threadpool_test

import (
	"iter"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// counted yields 0, 1, 2, ... up to n items (endless for n < 0) and counts what was pulled.
func counted(pulled *int, n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; n < 0 || i < n; i++ {
			*pulled++
			if !yield(i) {
				return
			}
		}
	}
}

// lookAhead iterates seq until it yielded n pairs and returns the most items pulled and not yet
// yielded seen in a loop body, each body first letting the feeder go as far as it may: until
// every call submitted returned and its result reached the hub, and a few hub turns after that.
func lookAhead(t *testing.T, p *threadpool.ThreadPool, seq iter.Seq2[int, error], pulled *int, n int) int {
	t.Helper()
	most, yielded := 0, 0
	for _, err := range seq {
		require.NoError(t, err)
		yielded++
		drain(t, p)
		for range 5 {
			require.NoError(t, scheduler.Sleep(bg, 0))
		}
		drain(t, p)
		most = max(most, *pulled-yielded)
		if yielded == n {
			break
		}
	}
	assert.Equal(t, n, yielded)
	return most
}

// TestImapMaxSize: with ImapMaxSize(n), no more than n items are submitted ahead of what the loop
// took, and that many are (one more item is pulled: the feeder holds it while it waits), for
// both orders and an endless items, on a pool whose Size would let the feeder run far ahead;
// without it, or with the zero ImapOption, results pile up. The last option counts.
func TestImapMaxSize(t *testing.T) {
	for name, imap := range imaps {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				p, err := threadpool.New(8)
				require.NoError(t, err)
				fn := func(x int) (int, error) { return x, nil }
				for _, n := range []int{0, 1, 3} {
					pulled := 0
					most := lookAhead(t, p, imap(bg, p, fn, counted(&pulled, -1), threadpool.ImapMaxSize(n)), &pulled, 10)
					assert.Equal(t, n+1, most, "maxsize %d: items pulled ahead of the loop", n)
					assert.LessOrEqual(t, pulled, 10+n+1, "maxsize %d: items pulled", n)
					drain(t, p)
				}
				pulled := 0
				most := lookAhead(t, p, imap(bg, p, fn, counted(&pulled, -1), threadpool.ImapMaxSize(1), threadpool.ImapMaxSize(5)), &pulled, 10)
				assert.Equal(t, 6, most, "the last option counts")
				drain(t, p)

				pulled = 0
				most = lookAhead(t, p, imap(bg, p, fn, counted(&pulled, 20), threadpool.ImapOption{}), &pulled, 2)
				assert.Equal(t, 19, most, "a zero ImapOption bounds nothing")
				drain(t, p)
				return p.Close()
			})
		})
	}
}

// TestImapMaxSizeResults: a bounded iteration yields every result, in item order for Imap,
// whatever order the calls return in.
func TestImapMaxSizeResults(t *testing.T) {
	for name, imap := range imaps {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				p, err := threadpool.New(3)
				require.NoError(t, err)
				var got []int
				for v, err := range imap(bg, p, func(x int) (int, error) { return x * 10, nil }, slices.Values([]int{0, 1, 2, 3, 4, 5, 6}), threadpool.ImapMaxSize(2)) {
					require.NoError(t, err)
					got = append(got, v)
				}
				if name == "ImapUnordered" {
					slices.Sort(got)
				}
				assert.Equal(t, []int{0, 10, 20, 30, 40, 50, 60}, got)
				drain(t, p)
				return p.Close()
			})
		})
	}
}

// TestImapBadMaxSize: a negative maxsize is yielded as ErrBadMaxSize named after the call, once,
// and nothing is pulled or run; from a foreign goroutine the refusal comes first.
func TestImapBadMaxSize(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var ran atomic.Int32
		fn := func(x int) (int, error) { ran.Add(1); return x, nil }
		pulled := 0
		collect := func(seq iter.Seq2[int, error]) []error {
			var errs []error
			for _, err := range seq {
				errs = append(errs, err)
			}
			return errs
		}
		for name, imap := range imaps {
			errs := collect(imap(bg, p, fn, counted(&pulled, -1), threadpool.ImapMaxSize(-1)))
			require.Len(t, errs, 1, name)
			assert.ErrorIs(t, errs[0], threadpool.ErrBadMaxSize, name)
			var te *threadpool.Error
			require.ErrorAs(t, errs[0], &te, name)
			assert.Equal(t, name, te.Op)

			var foreign []error
			done := make(chan struct{})
			go func() {
				defer close(done)
				foreign = collect(imap(bg, p, fn, counted(&pulled, -1), threadpool.ImapMaxSize(-1)))
			}()
			<-done
			require.Len(t, foreign, 1, name)
			assert.ErrorIs(t, foreign[0], scheduler.ErrNotGreenlet, name)
		}
		assert.Zero(t, pulled)
		assert.Zero(t, ran.Load())
		assert.Zero(t, p.Len())
		return p.Close()
	})
}
