package imap_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/imap"
	"github.com/geventgo/geventgo/scheduler"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

type call = *scheduler.Greenlet[int]

func run(t *testing.T, fn func() error) {
	t.Helper()
	require.NoError(t, scheduler.Main(fn))
}

// counted returns the items 0..n-1 and a pointer to how many were pulled.
func counted(n int) (iter.Seq[int], *int) {
	pulled := new(int)
	return func(yield func(int) bool) {
		for i := range n {
			*pulled++
			if !yield(i) {
				return
			}
		}
	}, pulled
}

// spawner is a Submit that spawns fn(item) in a greenlet.
func spawner(fn func(int) (int, error)) func(int) (call, error) {
	return func(it int) (call, error) {
		return scheduler.Spawn(func() (int, error) { return fn(it) }), nil
	}
}

// wrapped is a WaitError that marks the error as the engine's.
func wrapped(err error) error { return &waitErr{err} }

type waitErr struct{ error }

func (e *waitErr) Unwrap() error { return e.error }

// collect runs the engine over items and returns the pairs it yielded.
func collect(cfg imap.Config[int, int, call], items iter.Seq[int]) (vals []int, errs []error) {
	imap.Run(bg, cfg, items, func(v int, err error) bool {
		vals = append(vals, v)
		errs = append(errs, err)
		return true
	})
	return vals, errs
}

// TestOrder: Ordered yields in the order of items, otherwise in the order
// the calls finish; item x finishes after 4-x hub turns.
func TestOrder(t *testing.T) {
	run(t, func() error {
		slow := spawner(func(x int) (int, error) {
			for range 4 - x {
				if err := scheduler.Sleep(bg, 0); err != nil {
					return 0, err
				}
			}
			return x, nil
		})
		items := slices.Values([]int{0, 1, 2, 3})
		vals, errs := collect(imap.Config[int, int, call]{Ordered: true, Submit: slow, WaitError: wrapped}, items)
		assert.Equal(t, []int{0, 1, 2, 3}, vals)
		assert.Equal(t, []error{nil, nil, nil, nil}, errs)
		vals, _ = collect(imap.Config[int, int, call]{Submit: slow, WaitError: wrapped}, items)
		assert.Equal(t, []int{3, 2, 1, 0}, vals)
		return nil
	})
}

// limitProbe counts the calls outstanding and their peak.
type limitProbe struct{ cur, peak, finished int }

func (p *limitProbe) call(x int) (int, error) {
	p.cur++
	p.peak = max(p.peak, p.cur)
	err := scheduler.Sleep(bg, 0)
	p.cur--
	p.finished++
	return x, err
}

// TestLimit: with a Limit, no more calls are outstanding at once, and items
// is pulled at most Limit+1 ahead of the calls that finished.
func TestLimit(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		run(t, func() error {
			const limit = 3
			var probe limitProbe
			items, pulled := counted(20)
			ahead := 0
			cfg := imap.Config[int, int, call]{Ordered: ordered, Limit: limit, WaitError: wrapped}
			cfg.Submit = func(it int) (call, error) {
				ahead = max(ahead, *pulled-probe.finished)
				return spawner(probe.call)(it)
			}
			vals, _ := collect(cfg, items)
			assert.Len(t, vals, 20)
			assert.Equal(t, limit, probe.peak, "peak of outstanding calls")
			assert.LessOrEqual(t, ahead, limit+1, "items pulled ahead of the finished calls")
			return nil
		})
	}
}

// TestSubmitError: an error of Submit is its item's outcome, after the items
// before it in item order, and ends the feeding.
func TestSubmitError(t *testing.T) {
	run(t, func() error {
		refused := errors.New("refused")
		items, pulled := counted(10)
		ok := spawner(func(x int) (int, error) { return x, scheduler.Sleep(bg, 0) })
		cfg := imap.Config[int, int, call]{Ordered: true, WaitError: wrapped}
		cfg.Submit = func(it int) (call, error) {
			if it == 2 {
				return nil, refused
			}
			return ok(it)
		}
		vals, errs := collect(cfg, items)
		assert.Equal(t, []int{0, 1, 0}, vals)
		assert.Equal(t, []error{nil, nil, refused}, errs)
		assert.Equal(t, 3, *pulled, "nothing pulled after the refused item")
		return nil
	})
}

// TestItemsPanic: a panic of items is a *scheduler.PanicError after the
// outcomes of the items before it, and ends the iteration.
func TestItemsPanic(t *testing.T) {
	run(t, func() error {
		items := func(yield func(int) bool) {
			_ = yield(0) && yield(1)
			panic("bad items")
		}
		cfg := imap.Config[int, int, call]{Ordered: true, Submit: spawner(func(x int) (int, error) { return x, nil }), WaitError: wrapped}
		vals, errs := collect(cfg, items)
		require.Len(t, errs, 3)
		assert.Equal(t, []int{0, 1, 0}, vals)
		assert.NoError(t, errs[0])
		assert.NoError(t, errs[1])
		var pe *scheduler.PanicError
		require.ErrorAs(t, errs[2], &pe)
		assert.Equal(t, "bad items", pe.Value)
		return nil
	})
}

// endProbe records how an iteration ended.
type endProbe struct {
	steps   []string
	dropped []call
}

func (p *endProbe) config(ordered bool, fn func(int) (int, error)) imap.Config[int, int, call] {
	return imap.Config[int, int, call]{
		Name:      "test feeder",
		Ordered:   ordered,
		Limit:     2,
		Submit:    spawner(fn),
		Abandon:   func() { p.steps = append(p.steps, "abandon") },
		Drop:      func(_ context.Context, calls []call) { p.steps = append(p.steps, "drop"); p.dropped = calls },
		WaitError: wrapped,
	}
}

// stillRunning returns the dropped calls that have not finished.
func (p *endProbe) stillRunning() []call {
	return slices.DeleteFunc(slices.Clone(p.dropped), func(c call) bool { return c.Ready() })
}

// TestBreak: breaking out runs Abandon, then Drop with the calls still
// running, pulls nothing more, and yields nothing more.
func TestBreak(t *testing.T) {
	run(t, func() error {
		var never event.Event
		var p endProbe
		items, pulled := counted(100)
		n, pulledAtBreak := 0, 0
		for v, err := range seq(bg, p.config(true, func(x int) (int, error) {
			if x == 0 {
				return x, nil
			}
			return x, never.Wait(bg)
		}), items) {
			require.NoError(t, err)
			assert.Zero(t, v)
			n++
			pulledAtBreak = *pulled
			break
		}
		assert.Equal(t, 1, n)
		assert.Equal(t, []string{"abandon", "drop"}, p.steps)
		running := p.stillRunning()
		assert.Len(t, running, 2, "items 1 and 2 wait for ever")
		require.NoError(t, scheduler.KillAll(bg, running, nil))
		assert.Equal(t, pulledAtBreak, *pulled, "nothing pulled after the break")
		return nil
	})
}

// TestWaitError: when ctx ends first, WaitError's error of the failed wait
// is the last pair, and the iteration ends as a break does.
func TestWaitError(t *testing.T) {
	run(t, func() error {
		var never event.Event
		var p endProbe
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		var errs []error
		for _, err := range seq(ctx, p.config(false, func(x int) (int, error) {
			if x == 0 {
				return x, nil
			}
			return x, never.Wait(bg)
		}), slices.Values([]int{0, 1})) {
			errs = append(errs, err)
			cancel()
		}
		require.Len(t, errs, 2)
		assert.NoError(t, errs[0])
		var we *waitErr
		require.ErrorAs(t, errs[1], &we)
		assert.ErrorIs(t, errs[1], context.Canceled)
		assert.Equal(t, []string{"abandon", "drop"}, p.steps)
		return scheduler.KillAll(bg, p.stillRunning(), nil)
	})
}

// seq is Run as an iterator.
func seq(ctx context.Context, cfg imap.Config[int, int, call], items iter.Seq[int]) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) { imap.Run(ctx, cfg, items, yield) }
}
