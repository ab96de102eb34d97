package scheduler

import (
	"errors"
	"fmt"
	"slices"
)

// ErrExit matches every exit request: an *ExitError, gevent's SystemExit.
// By default it is the hub's one system error (see SetSystemErrors).
var ErrExit = errors.New("exit requested")

// ExitError asks the program to exit with Code, as Python's SystemExit: a
// greenlet that fails with it (returns it, panics with it, or is killed
// with it) has it thrown into the main greenlet, whose current or next wait
// returns it, so that main can unwind and exit. The default error handlers
// do not print it.
type ExitError struct {
	Code int // the exit status the program is asked to end with
}

// Error returns "exit requested (code N)".
func (e *ExitError) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	return fmt.Sprintf("%v (code %d)", ErrExit, e.Code)
}

// Unwrap returns ErrExit.
func (e *ExitError) Unwrap() error { return ErrExit }

// defaultSystemErrors is gevent's SYSTEM_ERROR for Go: exit requests.
var defaultSystemErrors = []error{ErrExit}

// SetSystemErrors sets the hub's system errors (gevent's Hub.SYSTEM_ERROR):
// an error reported to HandleError that matches one of targets with
// errors.Is is thrown into the main greenlet after the error handler saw
// it. The default is ErrExit alone; no targets means no system errors. A
// nil target, or a nil Hub, is ErrNilArgument. Goroutine-safe.
func (h *Hub) SetSystemErrors(targets ...error) error {
	if h == nil || slices.Contains(targets, nil) {
		return opErr("Hub.SetSystemErrors", ErrNilArgument)
	}
	ts := slices.Clone(targets)
	h.sysErrs.Store(&ts)
	return nil
}

// SystemErrors returns the hub's system errors (none for a nil or zero
// Hub). Goroutine-safe.
func (h *Hub) SystemErrors() []error {
	if h == nil {
		return nil
	}
	if p := h.sysErrs.Load(); p != nil {
		return slices.Clone(*p)
	}
	return nil
}

func (h *Hub) isSystemError(err error) bool {
	p := h.sysErrs.Load()
	if p == nil {
		return false
	}
	for _, target := range *p {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// throwSystemError throws err into the main greenlet, in gevent's order
// (handle_system_error): from a spawned greenlet at once, the hub
// switching back into that greenlet once main waits again; from the hub at
// once; from main at its next wait; from another goroutine through a Post.
// A destroyed hub has no main greenlet to throw into.
func (h *Hub) throwSystemError(err error) {
	if h.destroyed.Load() {
		return
	}
	c := currentCtx()
	switch {
	case c == nil || c.hub != h:
		_ = h.Post(func() { h.throwIntoMain(err) })
	case c == h.mainC:
		h.runCallback(func() { h.throwIntoMain(err) })
	case c.isHub:
		h.throwIntoMain(err)
	default:
		// The hub resumes c from its callbacks once main waits again;
		// anything else that resumes c first makes the callback moot.
		back := h.runCallbackArg(resumeGreenlet, c)
		_, _ = h.main.Throw(err)
		back.stop()
		h.setRunning(c)
	}
}

// throwIntoMain runs on the hub: main is suspended in a wait, which returns
// err. The hub goes on when main switches back to it; an error thrown into
// the hub meanwhile is Destroy's, which ends the hub anyway.
func (h *Hub) throwIntoMain(err error) {
	if h.destroyed.Load() {
		return
	}
	_, _ = h.main.Throw(err)
	h.setRunning(h.hubC)
}

func resumeGreenlet(a any) {
	c := a.(*gctx)
	c.hub.switchInto(c, nil)
}
