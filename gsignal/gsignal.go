// Package gsignal runs signal handlers in greenlets (gevent.signal_handler) on os/signal, through
// cev.Signal (libev's own ev_signal is never used), and shuts a hub down cleanly on SIGINT or
// SIGTERM.
//
// # Goroutines
//
// Main creates its hub, as scheduler.Main does (an error matching scheduler.ErrHubExists on a
// goroutine that already runs one). Handle installs a handler on the caller's hub and creates
// none: called from a goroutine that is not a greenlet of a hub it returns an error matching
// scheduler.ErrNotGreenlet. A Handler is hub-affine: Stop from another goroutine returns an
// error matching scheduler.ErrNotGreenlet and removes nothing. Self may be called from any
// goroutine.
//
// # Delivery and shutdown
//
// Each delivery runs the handler's function in a new greenlet of its hub; deliveries that
// arrive before the hub notices coalesce into one call, as in libev. A handler does not keep
// the hub's loop alive. Main kills its body's greenlet on the first of its signals (a blocking
// call there returns GreenletExit and its defers run), again on each further signal, and
// destroys the hub when the body is done, which kills every other greenlet so their defers run
// too. A signal the hub notices only after the body returned leaves Main's result to the body.
// Destroying a hub removes its handlers; a Stop from a greenlet's defer run by Destroy
// returns an error matching scheduler.ErrHubDestroyed.
//
// # Zero values
//
// The zero Handler is not installed: Stop returns an error matching scheduler.ErrNilArgument.
// Errors are *Error values naming the call that failed; Main's end by a signal is a
// *SignalError matching ErrInterrupted.
package gsignal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

// ErrInterrupted is matched (errors.Is) by the error Main returns when a signal ended it.
var ErrInterrupted = errors.New("interrupted by signal")

// errNoHandler is the cause given for a Handler that Handle did not return.
var errNoHandler = fmt.Errorf("handler not installed by Handle: %w", scheduler.ErrNilArgument)

// SignalError says which signal ended Main.
type SignalError struct {
	Signal syscall.Signal // the signal that arrived
}

// Error returns "gsignal: ", ErrInterrupted's message and the signal's name.
func (e *SignalError) Error() string {
	if e == nil {
		return "gsignal: <nil>"
	}
	return fmt.Sprintf("gsignal: %v: %v", ErrInterrupted, e.Signal)
}

// Unwrap returns ErrInterrupted.
func (e *SignalError) Unwrap() error { return ErrInterrupted }

// Error adds the operation that failed to a cause.
type Error struct {
	Op  string // e.g. "Handle"
	Err error  // the cause: scheduler.ErrNotGreenlet, scheduler.ErrNilArgument, a cev error ...
}

// Error returns "gsignal: Op: cause", so the text names the package and the call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "gsignal: <nil>"
	}
	return "gsignal: " + e.Op + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout (a context's deadline:
// scheduler.ContextError's error), so os.IsTimeout and net.Error users see
// one, as with package os's and net's errors.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

// Handler is a signal handler installed by Handle. The zero Handler is not installed: Stop
// returns an error matching scheduler.ErrNilArgument.
type Handler struct {
	hub     *scheduler.Hub
	w       *cev.Signal
	stopped bool
}

// Handle calls fn in a new greenlet of the calling hub each time sig arrives (deliveries that
// arrive before the hub notices coalesce into one call, as in libev), until Stop. The greenlet is
// named after the signal ("gsignal.Handle hangup" for SIGHUP), as the hub's report of a panic of
// fn and scheduler.RunInfo show it. While the handler is installed the signal does not reach Go's
// default handling. A handler does not keep the hub's loop alive (gevent's signal watchers are
// unref'd). It returns an error matching scheduler.ErrNotGreenlet outside a greenlet,
// scheduler.ErrNilArgument for a nil fn, and cev.ErrInvalid for a signal that cannot be caught
// (SIGKILL, SIGSTOP). SIGURG is accepted but fires spuriously: Go's runtime sends it to preempt
// goroutines (see package os/signal).
func Handle(sig syscall.Signal, fn func()) (*Handler, error) {
	if fn == nil {
		return nil, &Error{Op: "Handle", Err: scheduler.ErrNilArgument}
	}
	hub := scheduler.CurrentHub()
	if err := hub.Check(); err != nil {
		return nil, &Error{Op: "Handle", Err: err}
	}
	loop := hub.Loop()
	h := &Handler{hub: hub}
	name := "gsignal.Handle " + sig.String() // names the greenlet in reports and RunInfo
	w, err := loop.NewSignal(sig, func(*cev.Signal, int) {
		scheduler.Go(func() error {
			// Stop may have come between the delivery and this start: then fn is not
			// called (gevent's watcher switches into its greenlet at once, so its cancel
			// leaves no call behind).
			if !h.stopped {
				fn()
			}
			return nil
		}).SetName(name)
	})
	if err != nil {
		return nil, &Error{Op: "Handle", Err: err}
	}
	if err := w.Start(); err != nil {
		_ = w.Close()
		return nil, &Error{Op: "Handle", Err: err}
	}
	_ = loop.Unref()
	h.w = w
	return h, nil
}

// Stop removes the handler: fn is not called after Stop returns, not even for a delivery the hub
// noticed before, whose greenlet had not started yet. The signal goes back to Go's default
// handling once no handler of any hub watches it. Stop twice does nothing. From a goroutine that
// is not a greenlet of the handler's hub it returns an error matching scheduler.ErrNotGreenlet
// and removes nothing; from a greenlet's defer run by the hub's Destroy, which removes every
// handler itself, one matching scheduler.ErrHubDestroyed.
func (h *Handler) Stop() error {
	if h == nil || h.w == nil {
		return &Error{Op: "Handler.Stop", Err: errNoHandler}
	}
	if err := h.hub.Check(); err != nil {
		return &Error{Op: "Handler.Stop", Err: err}
	}
	if h.stopped {
		return nil
	}
	h.stopped = true
	if h.w.IsActive() {
		// Balance the Unref of Handle before the active watcher goes away.
		_ = h.w.Loop().Ref()
	}
	if err := h.w.Close(); err != nil {
		return &Error{Op: "Handler.Stop", Err: err}
	}
	return nil
}

// Main is scheduler.Main with a clean shutdown on the given signals (SIGINT and SIGTERM when none
// are given; one given twice counts once): it creates a hub on the calling goroutine and runs fn
// in a greenlet of it; when one of the signals arrives that greenlet is killed (its defers run,
// and a blocking call in it returns scheduler.ErrGreenletExit), then the hub is destroyed, which
// kills every other greenlet so their defers run too. Each further signal kills fn's greenlet
// again, for a body that answered the first kill with a graceful shutdown. Main returns fn's
// error, or a *SignalError matching ErrInterrupted; scheduler.ErrHubExists on a goroutine that
// already runs a hub, scheduler.ErrNilArgument for a nil fn, and, before fn runs, cev.ErrInvalid
// for a signal Handle refuses (SIGKILL, SIGSTOP). Between fn's result and the *SignalError the
// hub decides, where the signal is noticed: a signal noticed while fn's greenlet has not finished
// makes Main return the *SignalError (also when fn returns before the kill reaches it); one
// noticed after fn returned leaves fn's result as Main's, and does nothing else, since Main is
// already destroying the hub as the signal would have. Once Main has removed its handlers (before
// it destroys the hub), the signals go back to Go's default handling.
func Main(fn func() error, sigs ...syscall.Signal) error {
	if fn == nil {
		return &Error{Op: "Main", Err: scheduler.ErrNilArgument}
	}
	if len(sigs) == 0 {
		sigs = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}
	}
	return scheduler.Main(func() error { return runMain(fn, sigs) })
}

// runMain is Main's body on the new hub's main greenlet.
func runMain(fn func() error, sigs []syscall.Signal) error {
	var got *SignalError
	g := scheduler.Go(fn)
	g.SetName("gsignal.Main")
	var hs []*Handler
	defer func() {
		for _, h := range hs {
			_ = h.Stop()
		}
	}()
	for i, s := range sigs {
		if slices.Contains(sigs[:i], s) {
			// One handler per signal: a second would make one delivery kill fn's greenlet
			// twice, cutting short the graceful shutdown the body gives the first kill.
			continue
		}
		h, err := Handle(s, func() {
			if g.Ready() {
				// fn returned before the hub noticed the signal: its
				// result stands, and the hub is being destroyed anyway.
				return
			}
			if got == nil {
				got = &SignalError{Signal: s}
			}
			_ = g.KillAsync(nil)
		})
		if err != nil {
			return &Error{Op: "Main", Err: errors.Unwrap(err)} // the call the caller made
		}
		hs = append(hs, h)
	}
	if err := g.Join(context.Background()); err != nil {
		return err
	}
	if got != nil {
		return got
	}
	return g.Err()
}

// Self sends sig to this process (for tests and examples: os.Getpid + syscall.Kill).
func Self(sig syscall.Signal) error { return syscall.Kill(os.Getpid(), sig) }
