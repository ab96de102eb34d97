package scheduler

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLinksOrder(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		var trace []string
		g := Go(func() error { return Sleep(bg, 0) })
		g.Rawlink(func(Linkable) { trace = append(trace, "raw1") })
		g.LinkException(func(Linkable) { trace = append(trace, "exception") })
		g.LinkValue(func(l Linkable) {
			trace = append(trace, "value")
			// A Link callback runs in its own greenlet and may block.
			require.NoError(t, Sleep(bg, time.Millisecond))
			trace = append(trace, "value after sleep")
		})
		id := g.Rawlink(func(Linkable) { trace = append(trace, "unlinked") })
		g.Rawlink(func(Linkable) { panic("link boom") })
		g.Rawlink(func(Linkable) { trace = append(trace, "raw2") })
		g.Unlink(id)
		require.NoError(t, g.Join(bg))
		assert.Equal(t, []string{"raw1", "value", "raw2"}, trace)
		pollHub(t, func() bool { return len(trace) == 4 })
		assert.Equal(t, []string{"raw1", "value", "raw2", "value after sleep"}, trace)
		assert.Contains(t, errs.String(), "link boom")
		assert.False(t, g.HasLinks())

		// Linking to a dead greenlet schedules the link; it is not called inline.
		called := false
		g.Rawlink(func(Linkable) { called = true })
		assert.False(t, called)
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, called)
	})
}

//go:noinline
func panicInLink(Linkable) { panic("link boom") }

// TestLinkPanicReportsCarryStack: a panicking Rawlink callback (run on the
// hub) and a panicking Link callback (run in a greenlet of its own) are
// reported with the panicking stack in the report's text.
func TestLinkPanicReportsCarryStack(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var reported []error
		h.SetErrorHandler(func(err error) { reported = append(reported, err) })
		g := Go(func() error { return nil })
		g.SetName("linked")
		g.Rawlink(panicInLink)
		g.Link(panicInLink)
		require.NoError(t, g.Join(bg))
		require.NoError(t, Sleep(bg, 0))
		require.Len(t, reported, 2)
		for i, op := range []string{"link of linked", "link"} {
			var pe *PanicError
			require.ErrorAs(t, reported[i], &pe)
			assert.Contains(t, string(pe.Stack), "panicInLink")
			assert.Contains(t, reported[i].Error(), "scheduler: "+op+": panic: link boom")
			assert.Contains(t, reported[i].Error(), "panicInLink", "the report's text carries the stack")
		}
	})
}

// A greenlet refused at Spawn outside any hub is ready with the refusal as
// its outcome: waiting on it in a hub returns it at once, as its Join does,
// and its links run, instead of the wait lasting until its context ends.
func TestRefusedGreenletIsReadyForWaitAndLinks(t *testing.T) {
	g := Spawn(func() (int, error) { return 1, nil })
	require.True(t, g.Ready())
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		done, err := Wait(within(t, 5*time.Second), []*Greenlet[int]{g}, 0)
		require.NoError(t, err)
		assert.Equal(t, []*Greenlet[int]{g}, done)
		_, err = JoinAll(within(t, 5*time.Second), []*Greenlet[int]{g})
		assert.ErrorIs(t, err, ErrNotGreenlet, "the refusal is the greenlet's failure")
		linked := false
		assert.NotZero(t, g.Rawlink(func(Linkable) { linked = true }))
		pollHub(t, func() bool { return linked })
		require.NoError(t, g.Join(bg))
	})
}

// Link, LinkValue and LinkException of a greenlet refused at Spawn outside
// any hub bind it to the caller's hub, as Rawlink does, and their links run
// there. Before, they made the link for the greenlet's hub while it had
// none, and the link panicked on a nil hub when it ran.
func TestRefusedGreenletRunsSpawnedLinks(t *testing.T) {
	g := Spawn(func() (int, error) { return 1, nil })
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		var ran []string
		assert.NotZero(t, g.Link(func(Linkable) { ran = append(ran, "link") }))
		assert.NotZero(t, g.LinkException(func(Linkable) { ran = append(ran, "exception") }))
		assert.NotZero(t, g.LinkValue(func(Linkable) { ran = append(ran, "value") }))
		pollHub(t, func() bool { return len(ran) == 2 || errs.Len() > 0 })
		require.NoError(t, Sleep(bg, 0))
		assert.Empty(t, errs.String())
		assert.Equal(t, []string{"link", "exception"}, ran)
		assert.Same(t, h, g.Hub())
	})
}

// UnlinkAll from a goroutine that is not on the greenlet's hub removes
// nothing, as Unlink from there: the links are the hub's and still run.
// Before, it cleared them from anywhere, racing with the hub.
func TestUnlinkAllFromAGoroutineRemovesNothing(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		gate := NewWaiter("gate")
		g := Go(func() error { _, err := gate.Get(bg); return err })
		ran := false
		g.Rawlink(func(Linkable) { ran = true })
		done := make(chan struct{})
		go func() {
			defer close(done)
			g.UnlinkAll()
		}()
		<-done
		assert.True(t, g.HasLinks(), "UnlinkAll from a goroutine removed the links")
		gate.Switch(nil)
		require.NoError(t, g.Join(bg))
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, ran, "the link did not run")

		g2 := Go(func() error { return nil })
		g2.Rawlink(func(Linkable) { t.Error("a link removed by UnlinkAll ran") })
		g2.UnlinkAll()
		assert.False(t, g2.HasLinks())
		require.NoError(t, g2.Join(bg))
		require.NoError(t, Sleep(bg, 0))
	})
}

// A link that adds a link to its own dead greenlet has it called by the
// same notification, which leaves no callback behind: a link added later is
// notified from a callback queued when it is added, behind those queued
// before, as in gevent 22.10, where this prints ['first', 'inner',
// 'callback', 'late link'] (its notifier counts as pending while it runs,
// so the inner rawlink queues none):
//
//	g = gevent.spawn(lambda: None)
//	g.rawlink(lambda gl: (order.append('first'), gl.rawlink(inner)))
//	while not g.ready(): gevent.sleep(0)
//	gevent.sleep(0)
//	hub.loop.run_callback(callback); g.rawlink(late_link)
//	gevent.sleep(0); gevent.sleep(0)
//
// Before, the inner Rawlink queued a notification that found nothing left
// to call, and the late link ran from it, ahead of the callback queued
// before it (the sibling of TestPanickingLinkLeavesNoNotificationBehind).
func TestLinkAddedByALinkLeavesNoNotificationBehind(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var order []string
		g := Go(func() error { return nil })
		g.Rawlink(func(Linkable) {
			order = append(order, "first")
			g.Rawlink(func(Linkable) { order = append(order, "inner") })
		})
		for !g.Ready() {
			require.NoError(t, Sleep(bg, 0))
		}
		require.NoError(t, Sleep(bg, 0))
		_, err := h.RunCallback(func() { order = append(order, "callback") })
		require.NoError(t, err)
		g.Rawlink(func(Linkable) { order = append(order, "late link") })
		require.NoError(t, Sleep(bg, 0))
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []string{"first", "inner", "callback", "late link"}, order)
	})
}
