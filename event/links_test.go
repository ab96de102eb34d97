package event_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

func TestLinkPanicIsReported(t *testing.T) {
	run(t, func() error {
		var reported []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reported = append(reported, err) })
		var e event.Event
		ran := false
		e.Rawlink(func(scheduler.Linkable) { panic(errors.New("in link")) })
		e.Rawlink(func(scheduler.Linkable) { ran = true })
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, ran)
		require.Len(t, reported, 1)
		return nil
	})
}

// TestLinkPanicAmongWaiters: a panicking link between two waiting
// greenlets is reported once and the round goes on, waking the second
// waiter after the first; a link added by the panicking one waits for the
// next round, as links added during a round always do.
func TestLinkPanicAmongWaiters(t *testing.T) {
	run(t, func() error {
		var reported []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reported = append(reported, err) })
		var e event.Event
		var order []string
		waiter := func(name string) {
			scheduler.Go(func() error {
				err := e.Wait(bg)
				order = append(order, name)
				return err
			})
		}
		waiter("a")
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Rawlink(func(scheduler.Linkable) {
			order = append(order, "panic")
			e.Rawlink(func(scheduler.Linkable) { order = append(order, "late") })
			panic("in link")
		})
		waiter("b")
		require.NoError(t, scheduler.Sleep(bg, 0))
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []string{"a", "panic", "b", "late"}, order)
		require.Len(t, reported, 1)
		assert.ErrorContains(t, reported[0], "panic in link: in link")
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

// TestRoundEndsWhenItsLastLinkIsUnlinked: a round calls only the links
// present when it started, even when a link unlinks the round's last link.
// Before, the round stopped only at that last link: once it was unlinked
// the round went on with the links added meanwhile, and a link that links
// itself again (a resubscription) kept the hub in one callback for ever. The
// link added during the round now waits for the next round, after what was
// scheduled meanwhile.
func TestRoundEndsWhenItsLastLinkIsUnlinked(t *testing.T) {
	run(t, func() error {
		var e event.Event
		var order []string
		var last scheduler.LinkID
		again := 0
		var relink func(scheduler.Linkable)
		relink = func(scheduler.Linkable) {
			order = append(order, "relink")
			if again++; again < 3 {
				e.Rawlink(relink)
			}
		}
		e.Rawlink(func(scheduler.Linkable) {
			order = append(order, "first")
			e.Unlink(last)
			scheduler.CurrentHub().RunCallback(func() { order = append(order, "callback") })
			e.Rawlink(relink)
		})
		last = e.Rawlink(func(scheduler.Linkable) { order = append(order, "unlinked") })
		e.Set()
		for range 4 {
			require.NoError(t, scheduler.Sleep(bg, 0))
		}
		assert.Equal(t, []string{"first", "callback", "relink", "relink", "relink"}, order)
		assert.Zero(t, e.LinkCount())
		return nil
	})
}

// valueOwner is a Linkable by value whose type is comparable but whose
// values may not be: its tag may hold a slice.
type valueOwner struct {
	links *event.Links
	tag   any
}

func (o valueOwner) Ready() bool { return true }

func (o valueOwner) Rawlink(fn func(scheduler.Linkable)) scheduler.LinkID {
	return o.links.Rawlink(o, fn)
}

func (o valueOwner) Unlink(id scheduler.LinkID) { o.links.Unlink(id) }

// TestValueOwnerWithUncomparableValue: Links built on by a value owner
// whose type is comparable but whose value is not (an interface field
// holding a slice) notifies like any other. Before, the second
// notification compared that owner with the one the first remembered and
// panicked ("comparing uncomparable type []int") in the caller's Rawlink.
func TestValueOwnerWithUncomparableValue(t *testing.T) {
	run(t, func() error {
		o := valueOwner{links: &event.Links{}, tag: []int{1}}
		calls := 0
		for range 3 {
			require.NotPanics(t, func() { o.Rawlink(func(scheduler.Linkable) { calls++ }) })
			require.NoError(t, scheduler.Sleep(bg, 0))
		}
		assert.Equal(t, 3, calls)
		return nil
	})
}

// TestLinkGoexitEndsTheRoundNotTheLinks: a link that calls runtime.Goexit
// (t.FailNow in a Rawlink) is reported and the hub goes on (scheduler's
// doc); the links the round had not called yet are called in a next round,
// with or without a panic deferred under the Goexit, and the event stays
// usable: a Wait on it once set returns. Before, the round's pending state
// stayed set for good: the links after the Goexit were never called, a
// later Set woke nobody, and a Wait on the set event, which waits for that
// round whatever its context, never returned (here the hub, with nothing
// else to run, ends it with LoopExit).
func TestLinkGoexitEndsTheRoundNotTheLinks(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"Goexit", runtime.Goexit},
		{"panic under Goexit", func() {
			defer func() { panic("while unwinding") }()
			runtime.Goexit()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e event.Event
			run(t, func() error {
				var reported []error
				scheduler.CurrentHub().SetErrorHandler(func(err error) { reported = append(reported, err) })
				var order []string
				w := scheduler.Go(func() error {
					err := e.Wait(within(t, 5*time.Second))
					order = append(order, "waiter")
					return err
				})
				require.NoError(t, scheduler.Sleep(bg, 0))
				e.Rawlink(func(scheduler.Linkable) { order = append(order, "exit"); c.fn() })
				e.Rawlink(func(scheduler.Linkable) { order = append(order, "after") })
				e.Set()
				require.NoError(t, w.Join(within(t, 5*time.Second)))
				require.NoError(t, e.Wait(within(t, 5*time.Second)), "a Wait on the set event")
				assert.Equal(t, []string{"waiter", "exit", "after"}, order)
				assert.NotEmpty(t, reported, "the Goexit is reported")
				assert.Zero(t, e.LinkCount())
				e.Clear()
				e.Rawlink(func(scheduler.Linkable) { order = append(order, "next") })
				e.Set()
				require.NoError(t, e.Wait(within(t, 5*time.Second)))
				assert.Equal(t, []string{"waiter", "exit", "after", "next"}, order)
				return nil
			})
		})
	}
}
