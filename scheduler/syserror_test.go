package scheduler

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// traceHandler makes h's handler append "handled <what>" to *trace.
func traceHandler(h *Hub, trace *[]string) {
	h.SetErrorHandler(func(err error) {
		what := err.Error()
		if errors.Is(err, ErrExit) {
			what = "exit"
		}
		*trace = append(*trace, "handled "+what)
	})
}

// TestExitFromGreenletReachesMain: an *ExitError escaping a greenlet goes
// to the handler, then is thrown into main's current wait while the
// greenlet is still in its report (ready, not dead); when main waits again
// the hub goes on in gevent's order: callbacks queued before, the links,
// then the greenlet finishes.
func TestExitFromGreenletReachesMain(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		traceHandler(h, &trace)
		g := Go(func() error {
			trace = append(trace, "bad returns")
			return &ExitError{Code: 3}
		})
		g.Rawlink(func(Linkable) { trace = append(trace, fmt.Sprint("rawlink, dead ", g.Dead())) })
		Go(func() error { trace = append(trace, "other runs"); return nil })
		err := Sleep(bg, time.Second)
		var exit *ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 3, exit.Code)
		var ge *GreenletError
		require.ErrorAs(t, err, &ge, "main gets the report the handler saw")
		trace = append(trace, "main got exit")
		assert.True(t, g.Ready())
		assert.False(t, g.Dead(), "the greenlet is still in its report")
		assert.False(t, g.Successful())
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, g.Dead())
		assert.Equal(t, []string{"bad returns", "handled exit", "main got exit", "other runs", "rawlink, dead false"}, trace)
	})
}

// TestExitPanicFromGreenletReachesMain: a greenlet that panics with an
// *ExitError is an exit request too.
func TestExitPanicFromGreenletReachesMain(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		Go(func() error { panic(&ExitError{Code: 4}) })
		err := Sleep(bg, time.Second)
		var exit *ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 4, exit.Code)
		require.NoError(t, Sleep(bg, 0))
	})
}

// TestSystemErrorFromKillReachesMain: a greenlet killed with one of the
// hub's system errors fails with it, and main's Kill returns it.
func TestSystemErrorFromKillReachesMain(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		traceHandler(h, &trace)
		errStop := errors.New("stop")
		require.NoError(t, h.SetSystemErrors(ErrExit, errStop))
		g := Go(func() error {
			defer func() { trace = append(trace, "worker unwinds") }()
			return Sleep(bg, time.Hour)
		})
		require.NoError(t, Sleep(bg, 0))
		err := g.Kill(bg, errStop)
		assert.ErrorIs(t, err, errStop)
		trace = append(trace, "main got stop")
		assert.True(t, g.Ready())
		assert.False(t, g.Dead())
		require.NoError(t, Sleep(bg, 0))
		assert.True(t, g.Dead())
		assert.Equal(t, []string{"worker unwinds", "handled scheduler: Greenlet-1 failed: stop", "main got stop"}, trace)
	})
}

// TestExitFromCallbackReachesMain: a callback that panics with an exit
// request has it thrown into main from the hub; the drain goes on when
// main waits again.
func TestExitFromCallbackReachesMain(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		traceHandler(h, &trace)
		h.RunCallback(func() {
			trace = append(trace, "callback panics")
			panic(&ExitError{Code: 5})
		})
		h.RunCallback(func() { trace = append(trace, "next callback") })
		err := Sleep(bg, 0)
		require.ErrorIs(t, err, ErrExit)
		trace = append(trace, "main got exit")
		require.NoError(t, Sleep(bg, 0))
		assert.Equal(t, []string{"callback panics", "handled exit", "main got exit", "next callback"}, trace)
	})
}

// TestExitFromRawlinkReachesMain: the same from a link run on the hub.
func TestExitFromRawlinkReachesMain(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return nil })
		g.Rawlink(func(Linkable) { panic(&ExitError{Code: 6}) })
		// The panicking link runs before the link that wakes main.
		err := g.Join(bg)
		var exit *ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 6, exit.Code)
	})
}

// TestExitReportedByMainReachesItsNextWait: HandleError called by main
// itself cannot throw into the caller; main's next wait returns it.
func TestExitReportedByMainReachesItsNextWait(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		traceHandler(h, &trace)
		h.HandleError(&ExitError{Code: 7})
		assert.Equal(t, []string{"handled exit"}, trace)
		err := Sleep(bg, time.Second)
		var exit *ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 7, exit.Code)
		require.NoError(t, Sleep(bg, 0), "thrown once")
	})
}

// TestExitReportedFromAnotherGoroutine: HandleError from a plain goroutine
// calls the handler there and posts the throw to the hub.
func TestExitReportedFromAnotherGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.HandleError(&ExitError{Code: 8})
		}()
		err := Sleep(bg, 10*time.Second)
		var exit *ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 8, exit.Code)
		<-done
	})
}

// TestSystemErrorsSet: an empty set throws nothing (the handler still sees
// the error), a nil target is refused, and SystemErrors returns a copy.
func TestSystemErrorsSet(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		assert.Equal(t, []error{ErrExit}, h.SystemErrors())
		assert.ErrorIs(t, h.SetSystemErrors(ErrExit, nil), ErrNilArgument)
		assert.Equal(t, []error{ErrExit}, h.SystemErrors(), "a refused set changes nothing")
		require.NoError(t, h.SetSystemErrors())
		assert.Empty(t, h.SystemErrors())
		var seen []error
		h.SetErrorHandler(func(err error) { seen = append(seen, err) })
		g := Go(func() error { return &ExitError{Code: 1} })
		require.NoError(t, g.Join(bg))
		require.NoError(t, Sleep(bg, time.Millisecond))
		require.Len(t, seen, 1)
		assert.ErrorIs(t, seen[0], ErrExit)

		set := []error{ErrExit}
		require.NoError(t, h.SetSystemErrors(set...))
		set[0] = ErrTimeout
		got := h.SystemErrors()
		got[0] = ErrClosed
		assert.Equal(t, []error{ErrExit}, h.SystemErrors())
	})
}

// TestExitNotPrinted: the printing handlers leave exit requests out, as
// gevent does not print SystemExit, and print other failures.
func TestExitNotPrinted(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		require.NoError(t, h.SetSystemErrors())
		require.NoError(t, Go(func() error { return &ExitError{Code: 1} }).Join(bg))
		require.NoError(t, Go(func() error { return errors.New("real failure") }).Join(bg))
		assert.NotContains(t, errs.String(), "exit requested")
		assert.Contains(t, errs.String(), "real failure")
	})
}

func TestExitErrorText(t *testing.T) {
	assert.Equal(t, "exit requested (code 2)", (&ExitError{Code: 2}).Error())
	assert.ErrorIs(t, &ExitError{}, ErrExit)
	var nilExit *ExitError
	assert.Equal(t, "scheduler: <nil>", nilExit.Error())
	var nilHub *Hub
	assert.ErrorIs(t, nilHub.SetSystemErrors(), ErrNilArgument)
	assert.Nil(t, nilHub.SystemErrors())
	assert.Nil(t, (&Hub{}).SystemErrors())
}

// TestMainReturnsExit: the usual shape, Main's function returning what its
// wait returned.
func TestMainReturnsExit(t *testing.T) {
	err := Main(func() error {
		CurrentHub().SetErrorHandler(func(error) {})
		Go(func() error { return &ExitError{Code: 9} })
		return Sleep(bg, time.Second)
	})
	var exit *ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 9, exit.Code)
}
