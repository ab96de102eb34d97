package ghttp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/geventgo/geventgo/scheduler"
)

// Error adds the operation that failed to a cause.
type Error struct {
	Op  string // e.g. "Server.Serve", "Transport.RoundTrip"
	Err error  // the cause: a sentinel, a socket error, a context's error ...
}

// Error returns "ghttp: Op: cause", so the text names the package and the call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "ghttp: <nil>"
	}
	return "ghttp: " + e.Op + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout, so that net.Error users (url.Error.Timeout,
// which http.Client's errors answer with) see through the wrapping.
func (e *Error) Timeout() bool {
	var te interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &te) && te.Timeout()
}

// ErrServerClosed is what Serve, ServeTLS, ListenAndServe and ListenAndServeTLS return after
// Shutdown or Close (wrapped in an *Error). It matches http.ErrServerClosed and
// scheduler.ErrClosed with errors.Is, so code written for net/http's Server keeps working when
// it compares with errors.Is; the error is not http.ErrServerClosed itself, so the older
// `err != http.ErrServerClosed` must become `!errors.Is(err, http.ErrServerClosed)`.
var ErrServerClosed error = serverClosed{}

type serverClosed struct{}

func (serverClosed) Error() string { return "server closed" }

func (serverClosed) Is(target error) bool {
	return target == http.ErrServerClosed || target == scheduler.ErrClosed
}

// ErrBadOptions is returned by Serve for Server fields that contradict themselves (Pool and
// MaxConns both set, a negative MaxConns).
var ErrBadOptions = errors.New("invalid server options")

// errNilListener is the cause of Serve(nil).
var errNilListener = fmt.Errorf("nil listener: %w", scheduler.ErrNilArgument)
