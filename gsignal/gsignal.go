// Package gsignal runs signal handlers in greenlets (gevent.signal_handler) on os/signal, through
// cev.Signal (libev's own ev_signal is never used), and shuts a hub down cleanly on SIGINT or
// SIGTERM.
package gsignal

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

// ErrInterrupted is matched (errors.Is) by the error Main returns when a signal ended it.
var ErrInterrupted = errors.New("interrupted by signal")

// SignalError says which signal ended Main.
type SignalError struct {
	Signal syscall.Signal // the signal that arrived
}

// Error returns ErrInterrupted's message followed by the signal's name.
func (e *SignalError) Error() string { return fmt.Sprintf("%v: %v", ErrInterrupted, e.Signal) }

// Unwrap returns ErrInterrupted.
func (e *SignalError) Unwrap() error { return ErrInterrupted }

// Handler is a signal handler installed by Handle.
type Handler struct {
	w       *cev.Signal
	stopped bool
}

// Handle calls fn in a new greenlet of the calling hub each time sig arrives (deliveries that
// arrive before the hub notices coalesce into one call, as in libev), until Stop. While the
// handler is installed the signal does not reach Go's default handling. A handler does not keep
// the hub's loop alive (gevent's signal watchers are unref'd). Hub-affine.
func Handle(sig syscall.Signal, fn func()) (*Handler, error) {
	if fn == nil {
		return nil, &scheduler.Error{Op: "gsignal.Handle", Err: errors.New("nil handler")}
	}
	loop := scheduler.GetHub().Loop()
	w, err := loop.NewSignal(sig, func(*cev.Signal, int) {
		scheduler.Go(func() error { fn(); return nil })
	})
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		_ = w.Close()
		return nil, err
	}
	_ = loop.Unref()
	return &Handler{w: w}, nil
}

// Stop removes the handler; the signal goes back to Go's default handling once no handler of
// any hub watches it. Stop twice does nothing.
func (h *Handler) Stop() error {
	if h.stopped {
		return nil
	}
	h.stopped = true
	if h.w.IsActive() {
		// Balance the Unref of Handle before the active watcher goes away.
		_ = h.w.Loop().Ref()
	}
	return h.w.Close()
}

// Main is scheduler.Main with a clean shutdown on the given signals (SIGINT and SIGTERM when
// none are given): fn runs in a greenlet; when one of the signals arrives that greenlet is
// killed (its defers run), then the hub is destroyed, which kills every other greenlet so
// their defers run too. Main returns fn's error, or a *SignalError matching ErrInterrupted.
func Main(fn func() error, sigs ...syscall.Signal) error {
	if len(sigs) == 0 {
		sigs = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}
	}
	var got *SignalError
	return scheduler.Main(func() error {
		g := scheduler.Go(fn)
		g.SetName("gsignal.Main")
		var hs []*Handler
		defer func() {
			for _, h := range hs {
				_ = h.Stop()
			}
		}()
		for _, s := range sigs {
			h, err := Handle(s, func() {
				if got == nil {
					got = &SignalError{Signal: s}
				}
				_ = g.Kill(nil, false, 0)
			})
			if err != nil {
				return err
			}
			hs = append(hs, h)
		}
		if err := g.Join(scheduler.Forever); err != nil {
			return err
		}
		if got != nil {
			return got
		}
		return g.Err()
	})
}

// Self sends sig to this process (for tests and examples: os.Getpid + syscall.Kill).
func Self(sig syscall.Signal) error { return syscall.Kill(os.Getpid(), sig) }
