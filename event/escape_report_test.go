package event_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/testproc"
	"github.com/geventgo/geventgo/scheduler"
)

// TestLinkPanicUnderGoexitIsReportedOnce: a link whose deferred call panics
// while the link unwinds from runtime.Goexit is reported once, as that
// panic, and the next round still calls the link after it. A plain panic
// reported before does not hide a later bare Goexit: that is reported too.
// Before, the panic was reported twice: by the round's recover as the
// link's panic, and by the hub as a bare Goexit of the callback once the
// runtime resumed the Goexit through it.
func TestLinkPanicUnderGoexitIsReportedOnce(t *testing.T) {
	run(t, func() error {
		var reports []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reports = append(reports, err) })
		var e event.Event
		next := false
		e.Rawlink(func(scheduler.Linkable) {
			defer func() { panic("boom") }()
			runtime.Goexit()
		})
		e.Rawlink(func(scheduler.Linkable) { next = true })
		e.Set()
		require.NoError(t, e.Wait(within(t, 5*time.Second)))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.True(t, next, "the link after the escaping one was called")
		require.Len(t, reports, 1, "%v", reports)
		var pe *scheduler.PanicError
		require.ErrorAs(t, reports[0], &pe)
		assert.Equal(t, "boom", pe.Value)

		// A plain panic, then a bare Goexit in a later round: two reports.
		e.Clear()
		e.Rawlink(func(scheduler.Linkable) { panic("plain") })
		e.Rawlink(func(scheduler.Linkable) { runtime.Goexit() })
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.Len(t, reports, 3, "%v", reports)
		require.ErrorAs(t, reports[1], &pe)
		assert.Equal(t, "plain", pe.Value)
		assert.ErrorIs(t, reports[2], scheduler.ErrGoexit)
		return nil
	})
}

// TestLinkPanicNilIsReportedAsAPanic: under GODEBUG=panicnil=1 a link's
// panic(nil), for which recover returns nil as for a runtime.Goexit but
// which it stops, is reported as a link's panic whose value is nil, and the
// round goes on with the next link. Before, the round took it for a Goexit:
// nothing was reported. GODEBUG is read at start-up, so the test runs in a
// child process (testproc).
func TestLinkPanicNilIsReportedAsAPanic(t *testing.T) {
	if !testproc.PanicNilChild(t) {
		return
	}
	run(t, func() error {
		var reports []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) { reports = append(reports, err) })
		var e event.Event
		var order []string
		e.Rawlink(func(scheduler.Linkable) { order = append(order, "nil panic"); panic(nil) })
		e.Rawlink(func(scheduler.Linkable) { order = append(order, "next") })
		_, err := scheduler.CurrentHub().RunCallback(func() { order = append(order, "callback") })
		require.NoError(t, err)
		e.Set()
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, []string{"callback", "nil panic", "next"}, order, "the round went on")
		require.Len(t, reports, 1, "%v", reports)
		var pe *scheduler.PanicError
		require.ErrorAs(t, reports[0], &pe)
		assert.Nil(t, pe.Value)
		assert.NotErrorIs(t, reports[0], scheduler.ErrGoexit)
		assert.Contains(t, reports[0].Error(), "event: panic in link")
		return nil
	})
}

// TestHandlerEscapeWhileReportingALinkPanicIsReportedOnce: an error
// handler that panics or calls runtime.Goexit while it reports a link's
// panic leaves two reports, the link's panic and the handler's escape, and
// the links after that link are still called. Before, the round's end
// took the link's panic, already reported, for one raised under a Goexit
// and reported it again, which also hid the handler's Goexit.
func TestHandlerEscapeWhileReportingALinkPanicIsReportedOnce(t *testing.T) {
	for _, how := range []string{"panic", "Goexit"} {
		t.Run(how, func(t *testing.T) {
			run(t, func() error {
				var reports []error
				scheduler.CurrentHub().SetErrorHandler(func(err error) {
					reports = append(reports, err)
					if len(reports) > 1 {
						return
					}
					if how == "panic" {
						panic("handler")
					}
					runtime.Goexit()
				})
				var e event.Event
				next := false
				e.Rawlink(func(scheduler.Linkable) { panic("link") })
				e.Rawlink(func(scheduler.Linkable) { next = true })
				e.Set()
				for i := 0; i < 3; i++ {
					require.NoError(t, scheduler.Sleep(bg, 0))
				}
				assert.True(t, next, "the link after the panicking one was called")
				require.Len(t, reports, 2)
				var pe *scheduler.PanicError
				require.ErrorAs(t, reports[0], &pe)
				assert.Equal(t, "link", pe.Value)
				require.ErrorAs(t, reports[1], &pe)
				if how == "panic" {
					assert.Equal(t, "handler", pe.Value)
				} else {
					assert.ErrorIs(t, reports[1], scheduler.ErrGoexit)
				}
				var se *scheduler.Error
				require.ErrorAs(t, reports[1], &se)
				assert.Equal(t, "error handler", se.Op, "the report names what escaped")
				return nil
			})
		})
	}
}

// TestHandlerPanicWhileReportingALinkPanicUnderGoexit: an error handler
// that panics while it reports the panic a link's deferred call raised as
// the link unwound from runtime.Goexit leaves two reports, that panic and
// the handler's, named as the handler's; the Goexit is reported with the
// first. Before, the handler's panic was reported under the op "callback",
// as the hub's recover could not tell it from the callback's.
func TestHandlerPanicWhileReportingALinkPanicUnderGoexit(t *testing.T) {
	run(t, func() error {
		var reports []error
		scheduler.CurrentHub().SetErrorHandler(func(err error) {
			reports = append(reports, err)
			if len(reports) == 1 {
				panic("handler")
			}
		})
		var e event.Event
		next := false
		e.Rawlink(func(scheduler.Linkable) {
			defer func() { panic("link") }()
			runtime.Goexit()
		})
		e.Rawlink(func(scheduler.Linkable) { next = true })
		e.Set()
		for i := 0; i < 3; i++ {
			require.NoError(t, scheduler.Sleep(bg, 0))
		}
		assert.True(t, next, "the link after the escaping one was called")
		require.Len(t, reports, 2)
		var pe *scheduler.PanicError
		require.ErrorAs(t, reports[0], &pe)
		assert.Equal(t, "link", pe.Value)
		require.ErrorAs(t, reports[1], &pe)
		assert.Equal(t, "handler", pe.Value)
		var se *scheduler.Error
		require.ErrorAs(t, reports[1], &se)
		assert.Equal(t, "error handler", se.Op, "the report names what escaped")
		return nil
	})
}
