package threadpool_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

type imapFunc func(context.Context, *threadpool.ThreadPool, func(int) (int, error), iter.Seq[int], ...threadpool.ImapOption) iter.Seq2[int, error]

var imaps = map[string]imapFunc{
	"Imap":          threadpool.Imap[int, int],
	"ImapUnordered": threadpool.ImapUnordered[int, int],
}

// peakTracker measures how many calls run at once.
type peakTracker struct{ cur, peak atomic.Int32 }

func (p *peakTracker) enter() {
	n := p.cur.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			return
		}
	}
}

func (p *peakTracker) exit() { p.cur.Add(-1) }

// drain waits, sleeping on the hub, until p has no call queued or running and
// the deliveries of the last ones ran.
func drain(t *testing.T, p *threadpool.ThreadPool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Len() > 0 {
		require.True(t, time.Now().Before(deadline), "the pool did not drain")
		require.NoError(t, scheduler.Sleep(bg, ms))
	}
	require.NoError(t, scheduler.Sleep(bg, ms))
}

// waitFor sleeps on the hub until cond holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "condition never held")
		require.NoError(t, scheduler.Sleep(bg, ms))
	}
}

// TestImapOrder: Imap yields in item order whatever order the calls return
// in, each result as soon as it is its turn (the last item waits for the loop
// body to have seen the first); ImapUnordered yields in return order, without
// waiting behind an earlier item (item i cannot return before item i+1 was
// yielded).
func TestImapOrder(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(3)
		require.NoError(t, err)
		delays := []int{20, 1, 10, 1, 5, 0}
		firstSeen := make(chan struct{})
		var got []int
		for v, err := range threadpool.Imap(bg, p, func(i int) (int, error) {
			time.Sleep(time.Duration(delays[i]) * ms)
			if i == len(delays)-1 {
				select {
				case <-firstSeen:
				case <-time.After(5 * time.Second):
					return 0, errors.New("the first result was not yielded before the last call returned")
				}
			}
			return i * 10, nil
		}, slices.Values([]int{0, 1, 2, 3, 4, 5})) {
			require.NoError(t, err)
			if len(got) == 0 {
				close(firstSeen)
			}
			got = append(got, v)
		}
		assert.Equal(t, []int{0, 10, 20, 30, 40, 50}, got)

		drain(t, p)
		require.NoError(t, p.Close())

		const n = 4
		p, err = threadpool.New(n) // all four calls must run at once
		require.NoError(t, err)
		gates := make([]chan struct{}, n)
		for i := range gates {
			gates[i] = make(chan struct{})
		}
		close(gates[n-1])
		got = got[:0]
		for v, err := range threadpool.ImapUnordered(bg, p, func(i int) (int, error) {
			<-gates[i]
			return i, nil
		}, slices.Values([]int{0, 1, 2, 3})) {
			require.NoError(t, err)
			got = append(got, v)
			if v > 0 {
				close(gates[v-1])
			}
		}
		assert.Equal(t, []int{3, 2, 1, 0}, got)
		drain(t, p)
		return p.Close()
	})
}

// aheadTracker is an endless items sequence that records how far its pulls
// ran ahead of the calls that returned.
type aheadTracker struct{ pulled, returned, ahead atomic.Int32 }

func (a *aheadTracker) items(yield func(int) bool) {
	for i := 0; ; i++ {
		if d := a.pulled.Add(1) - a.returned.Load(); d > a.ahead.Load() {
			a.ahead.Store(d)
		}
		if !yield(i) {
			return
		}
	}
}

// TestImapBound: one iteration has at most Size calls running, and pulls
// items lazily: never more than Size+1 ahead of the calls that returned (an
// endless sequence works), for both orders.
func TestImapBound(t *testing.T) {
	for name, imap := range imaps {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				const size = 3
				p, err := threadpool.New(size)
				require.NoError(t, err)
				var peak peakTracker
				var tr aheadTracker
				var got []int
				for v, err := range imap(bg, p, func(i int) (int, error) {
					peak.enter()
					time.Sleep(5 * ms)
					peak.exit()
					tr.returned.Add(1)
					return i, nil
				}, tr.items) {
					require.NoError(t, err)
					got = append(got, v)
					if len(got) == 15 {
						break
					}
				}
				if name == "Imap" {
					assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, got)
				} else {
					assert.Len(t, got, 15)
				}
				assert.Equal(t, int32(size), peak.peak.Load(), "peak of concurrent calls")
				assert.LessOrEqual(t, tr.ahead.Load(), int32(size+1), "items pulled ahead of returned calls")
				drain(t, p)
				return p.Close()
			})
		})
	}
}

// TestImapErrors: an error or a panic of fn is yielded in its item's place
// and the iteration goes on; a panic of items ends it with a PanicError; a
// closed pool ends it with ErrClosed.
func TestImapErrors(t *testing.T) {
	for name, imap := range imaps {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				p, err := threadpool.New(2)
				require.NoError(t, err)
				checkFnErrors(t, imap, p)
				checkItemsPanic(t, name == "Imap", imap, p)
				drain(t, p)
				require.NoError(t, p.Close())
				checkClosedPool(t, imap, p)
				return nil
			})
		})
	}
}

// checkFnErrors: fn's error comes with fn's value and a panic of fn as a
// PanicError, each in its item's place, and the other items still run.
func checkFnErrors(t *testing.T, imap imapFunc, p *threadpool.ThreadPool) {
	boom := errors.New("boom")
	vals := map[int]int{}
	errs := map[int]error{}
	n := 0
	for v, err := range imap(bg, p, func(i int) (int, error) {
		switch i {
		case 2:
			return -1, boom
		case 4:
			panic("oops")
		}
		return i, nil
	}, slices.Values([]int{0, 1, 2, 3, 4, 5})) {
		n++
		if err != nil {
			errs[v] = err
			continue
		}
		vals[v] = v
	}
	assert.Equal(t, 6, n)
	assert.Equal(t, map[int]int{0: 0, 1: 1, 3: 3, 5: 5}, vals)
	require.Len(t, errs, 2)
	assert.ErrorIs(t, errs[-1], boom, "fn's value comes with its error")
	var pe *scheduler.PanicError
	require.ErrorAs(t, errs[0], &pe)
	assert.Equal(t, "oops", pe.Value)
}

// checkItemsPanic: a panic of items is one more pair, after the items before
// it (ordered: Imap) or as soon as it happens (ImapUnordered: the calls wait
// for it), and ends the feeding.
func checkItemsPanic(t *testing.T, ordered bool, imap imapFunc, p *threadpool.ThreadPool) {
	var got []int
	var itemsErr []error
	gate := make(chan struct{})
	if ordered {
		close(gate)
	}
	items := func(yield func(int) bool) {
		_ = yield(0) && yield(1)
		panic("bad items")
	}
	for v, err := range imap(bg, p, func(i int) (int, error) { <-gate; return i, nil }, items) {
		switch {
		case err == nil:
			got = append(got, v)
			if ordered {
				assert.Empty(t, itemsErr, "the panic comes last")
			}
		case ordered:
			itemsErr = append(itemsErr, err)
		default:
			itemsErr = append(itemsErr, err)
			assert.Empty(t, got, "the panic comes first")
			close(gate)
		}
	}
	require.Len(t, itemsErr, 1)
	var pe *scheduler.PanicError
	require.ErrorAs(t, itemsErr[0], &pe)
	assert.Equal(t, "bad items", pe.Value)
	assert.ElementsMatch(t, []int{0, 1}, got)
}

// checkClosedPool: on a closed pool the first item is refused with ErrClosed
// and that ends the iteration.
func checkClosedPool(t *testing.T, imap imapFunc, p *threadpool.ThreadPool) {
	n := 0
	for _, err := range imap(bg, p, func(i int) (int, error) { return i, nil }, slices.Values([]int{1, 2, 3})) {
		n++
		assert.ErrorIs(t, err, threadpool.ErrClosed)
	}
	assert.Equal(t, 1, n, "the first refused item ends the iteration")
}

// TestImapBreak: breaking out returns at once, without waiting for a call
// that still runs; no further item is pulled; the running call's result is
// dropped when it arrives.
func TestImapBreak(t *testing.T) {
	for name, imap := range imaps {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				p, err := threadpool.New(2)
				require.NoError(t, err)
				gate := make(chan struct{})
				var pulled, ran, returned atomic.Int32
				items := func(yield func(int) bool) {
					for i := range 100 {
						pulled.Add(1)
						if !yield(i) {
							return
						}
					}
				}
				n := 0
				for v, err := range imap(bg, p, func(i int) (int, error) {
					ran.Add(1)
					defer returned.Add(1)
					if i == 1 {
						<-gate
					}
					return i, nil
				}, items) {
					require.NoError(t, err)
					assert.Equal(t, 0, v)
					n++
					break
				}
				assert.Equal(t, 1, n)
				assert.Positive(t, p.Len(), "item 1 still runs")
				pulledAtBreak := pulled.Load()
				// At most Size+1 pulled ahead of the calls that returned. returned is
				// read after pulled and only grows, so the bound holds however the
				// workers were scheduled (item 1 may not have started yet).
				assert.LessOrEqual(t, pulledAtBreak, returned.Load()+3)
				close(gate)
				drain(t, p)
				assert.Equal(t, pulledAtBreak, pulled.Load(), "nothing pulled after the break")
				assert.LessOrEqual(t, ran.Load(), pulledAtBreak)
				return p.Close()
			})
		})
	}
}

// TestImapKill: a Kill of the iterating greenlet ends the iteration with the
// kill's error; the call queued behind busy workers is skipped (fn never runs
// for it) and the running one finishes on its worker.
func TestImapKill(t *testing.T) {
	for name, imap := range imaps {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				p, err := threadpool.New(2)
				require.NoError(t, err)
				blocker := make(chan struct{})
				other := threadpool.Spawn(p, func() (int, error) { <-blocker; return 0, nil }) // holds one worker
				gate := make(chan struct{})
				var started atomic.Int32
				ran := map[int]bool{}
				var mu sync.Mutex
				var yielded []error
				consumer := scheduler.Spawn(func() (int, error) {
					for _, err := range imap(bg, p, func(i int) (int, error) {
						mu.Lock()
						ran[i] = true
						mu.Unlock()
						started.Add(1)
						<-gate
						return i, nil
					}, slices.Values([]int{0, 1, 2, 3})) {
						yielded = append(yielded, err)
						if err != nil {
							return 0, err
						}
					}
					return 0, nil
				})
				waitFor(t, func() bool { return started.Load() == 1 })
				assert.Equal(t, 3, p.Len(), "the other call, item 0 running, item 1 queued")
				require.NoError(t, consumer.Kill(testctx.Within(t, 5*time.Second), nil))
				require.Len(t, yielded, 1)
				assert.ErrorIs(t, yielded[0], scheduler.ErrGreenletExit)
				assert.True(t, consumer.Dead())
				close(blocker)
				close(gate)
				_, err = other.Get(testctx.Within(t, 5*time.Second))
				require.NoError(t, err)
				drain(t, p)
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, map[int]bool{0: true}, ran, "the queued call was skipped")
				return p.Close()
			})
		})
	}
}

// TestImapContext: the end of the iteration's context ends it with one last
// pair carrying the context's error (for a deadline, the one timeout error);
// the call queued behind busy workers is skipped and the running one
// finishes on its worker.
func TestImapContext(t *testing.T) {
	for name, imap := range imaps {
		t.Run(name, func(t *testing.T) {
			run(t, func() error {
				ctx := testctx.Within(t, 10*time.Second)
				p, err := threadpool.New(2)
				require.NoError(t, err)
				gate := make(chan struct{})
				var yielded []error
				for _, err := range imap(testctx.Within(t, 20*ms), p, func(i int) (int, error) {
					<-gate
					return i, nil
				}, slices.Values([]int{0, 1})) {
					yielded = append(yielded, err)
				}
				require.Len(t, yielded, 1)
				assert.ErrorIs(t, yielded[0], scheduler.ErrTimeout)
				assert.ErrorIs(t, yielded[0], context.DeadlineExceeded)
				var te *threadpool.Error
				require.ErrorAs(t, yielded[0], &te)
				assert.Equal(t, name, te.Op)
				close(gate)
				drain(t, p)

				blocker := make(chan struct{})
				other := threadpool.Spawn(p, func() (int, error) { <-blocker; return 0, nil }) // holds one worker
				gate = make(chan struct{})
				var started atomic.Bool
				var mu sync.Mutex
				ran := map[int]bool{}
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				canceller := scheduler.Go(func() error {
					for !started.Load() {
						if err := scheduler.Sleep(ctx, ms); err != nil {
							return err
						}
					}
					cancel()
					return nil
				})
				yielded = yielded[:0]
				for _, err := range imap(cctx, p, func(i int) (int, error) {
					mu.Lock()
					ran[i] = true
					mu.Unlock()
					started.Store(true)
					<-gate
					return i, nil
				}, slices.Values([]int{0, 1, 2, 3})) {
					yielded = append(yielded, err)
				}
				require.NoError(t, canceller.Join(ctx))
				require.NoError(t, canceller.Err())
				require.Len(t, yielded, 1)
				assert.ErrorIs(t, yielded[0], context.Canceled)
				close(blocker)
				close(gate)
				_, err = other.Get(ctx)
				require.NoError(t, err)
				drain(t, p)
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, map[int]bool{0: true}, ran, "item 0 ran, item 1 was skipped")
				return p.Close()
			})
		})
	}
}

// TestImapBodyPanic: a panic in the loop body goes through the iteration,
// which stops its feeder on the way.
func TestImapBodyPanic(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var pulled atomic.Int32
		assert.PanicsWithValue(t, "body", func() {
			for range threadpool.Imap(bg, p, func(i int) (int, error) { return i, nil }, func(yield func(int) bool) {
				for i := 0; ; i++ {
					pulled.Add(1)
					if !yield(i) {
						return
					}
				}
			}) {
				panic("body")
			}
		})
		n := pulled.Load()
		drain(t, p)
		assert.Equal(t, n, pulled.Load(), "the feeder stopped")
		return p.Close()
	})
}

// TestApplyAsync: the callback runs in another greenlet with fn's value and
// the Result is ready only after it; an error of fn skips the callback and is
// not reported; an error or a panic of the callback fails the Result and is
// reported to the hub's error handler.
func TestApplyAsync(t *testing.T) {
	run(t, func() error {
		var mu sync.Mutex
		var reported []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) {
			mu.Lock()
			reported = append(reported, err)
			mu.Unlock()
		})
		defer scheduler.CurrentHub().SetErrorHandler(nil)
		p, err := threadpool.New(2)
		require.NoError(t, err)

		var got int
		var inOther bool
		r := threadpool.ApplyAsync(p, func() (int, error) { time.Sleep(2 * ms); return 42, nil }, func(v int) error {
			inOther = scheduler.GetCurrent() != nil
			if err := scheduler.Sleep(bg, 5*ms); err != nil { // the callback may block
				return err
			}
			got = v
			return nil
		})
		assert.False(t, r.Ready())
		v, err := r.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, 42, v)
		assert.Equal(t, 42, got, "Get returns after the callback")
		assert.True(t, inOther, "the callback runs in a greenlet of its own")

		boom := errors.New("boom")
		called := false
		_, err = threadpool.ApplyAsync(p, func() (int, error) { return 0, boom }, func(int) error { called = true; return nil }).Get(testctx.Within(t, 5*time.Second))
		assert.ErrorIs(t, err, boom)
		assert.False(t, called, "no callback after an error")

		cbErr := errors.New("callback failed")
		r = threadpool.ApplyAsync(p, func() (int, error) { return 7, nil }, func(int) error { return cbErr })
		_, err = r.Get(testctx.Within(t, 5*time.Second))
		assert.ErrorIs(t, err, cbErr)
		assert.Equal(t, 7, r.Value(), "the value is fn's")
		assert.False(t, r.Successful())

		_, err = threadpool.ApplyAsync(p, func() (int, error) { return 7, nil }, func(int) error { panic("cb") }).Get(testctx.Within(t, 5*time.Second))
		var pe *scheduler.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "cb", pe.Value)

		v, err = threadpool.ApplyAsync(p, func() (int, error) { return 9, nil }, nil).Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, 9, v)

		mu.Lock()
		defer mu.Unlock()
		require.Len(t, reported, 2, "the callbacks' failures, not fn's")
		var ge *scheduler.GreenletError
		require.ErrorAs(t, reported[0], &ge)
		assert.ErrorIs(t, ge, cbErr)
		assert.Equal(t, "threadpool.ApplyAsync callback", ge.Greenlet)
		require.ErrorAs(t, reported[1], &pe)
		return p.Close()
	})
}

// TestMapAsync: the Result holds the values in item order, after the callback
// saw them; an error gives the first error in item order with the values
// before it and no callback; no items still calls the callback.
func TestMapAsync(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var seen []string
		r := threadpool.MapAsync(p, func(i int) (string, error) {
			time.Sleep(time.Duration(4-i) * ms)
			return string(rune('a' + i)), nil
		}, []int{0, 1, 2, 3}, func(vs []string) error { seen = slices.Clone(vs); return nil })
		assert.False(t, r.Ready())
		out, err := r.Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b", "c", "d"}, out)
		assert.Equal(t, out, seen)

		boom1, boom3 := errors.New("boom1"), errors.New("boom3")
		called := false
		ints, err := threadpool.MapAsync(p, func(i int) (int, error) {
			switch i {
			case 1:
				time.Sleep(5 * ms)
				return 0, boom1
			case 3:
				return 0, boom3
			}
			return i + 10, nil
		}, []int{0, 1, 2, 3}, func([]int) error { called = true; return nil }).Get(testctx.Within(t, 5*time.Second))
		assert.ErrorIs(t, err, boom1, "the first error in item order")
		assert.Equal(t, []int{10}, ints)
		assert.False(t, called)

		called = false
		ints, err = threadpool.MapAsync(p, func(i int) (int, error) { return i, nil }, nil, func(vs []int) error { called = true; return nil }).Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Empty(t, ints)
		assert.True(t, called)
		drain(t, p)
		return p.Close()
	})
}

// TestAsyncForeignGoroutine: from a goroutine that is not on the pool's hub,
// Imap, ImapUnordered, ApplyAsync and MapAsync run nothing, create no hub and
// report ErrNotGreenlet; Imap from the hub greenlet itself, where it could
// not wait, too.
func TestAsyncForeignGoroutine(t *testing.T) {
	run(t, func() error {
		p, err := threadpool.New(2)
		require.NoError(t, err)
		var ran atomic.Int32
		fn := func(i int) (int, error) { ran.Add(1); return i, nil }
		var pulled atomic.Int32
		items := func(yield func(int) bool) { pulled.Add(1); yield(1) }
		firstErr := func(seq iter.Seq2[int, error]) (int, error) {
			n := 0
			var first error
			for _, err := range seq {
				if n == 0 {
					first = err
				}
				n++
			}
			return n, first
		}
		errs := map[string]error{}
		counts := map[string]int{}
		hubCreated := false
		done := make(chan struct{})
		go func() {
			defer close(done)
			counts["Imap"], errs["Imap"] = firstErr(threadpool.Imap(bg, p, fn, items))
			counts["ImapUnordered"], errs["ImapUnordered"] = firstErr(threadpool.ImapUnordered(bg, p, fn, items))
			errs["ApplyAsync"] = threadpool.ApplyAsync(p, func() (int, error) { return fn(1) }, func(int) error { ran.Add(1); return nil }).Err()
			errs["MapAsync"] = threadpool.MapAsync(p, fn, []int{1, 2}, func([]int) error { ran.Add(1); return nil }).Err()
			hubCreated = scheduler.CurrentHub() != nil
		}()
		<-done
		assert.Len(t, errs, 4)
		for name, err := range errs {
			assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		}
		assert.Equal(t, map[string]int{"Imap": 1, "ImapUnordered": 1}, counts, "one error, then the end")
		assert.False(t, hubCreated, "a refused call created a hub for the foreign goroutine")

		var inHub error
		inHubCount := 0
		scheduler.CurrentHub().RunCallback(func() {
			inHubCount, inHub = firstErr(threadpool.Imap(bg, p, fn, items))
		})
		require.NoError(t, scheduler.Sleep(bg, ms))
		assert.Equal(t, 1, inHubCount)
		assert.ErrorIs(t, inHub, scheduler.ErrNotGreenlet)

		assert.Zero(t, ran.Load(), "a refused call ran a function")
		assert.Zero(t, pulled.Load(), "a refused iteration pulled an item")

		v, err := threadpool.ApplyAsync(p, func() (int, error) { return 5, nil }, nil).Get(testctx.Within(t, 5*time.Second))
		require.NoError(t, err)
		assert.Equal(t, 5, v, "the pool still works on its hub")
		return p.Close()
	})
}
