package geventsuite

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/geventgo/geventgo/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

// ms is a millisecond, the unit most scenarios sleep in.
const ms = time.Millisecond

// none is the value type of greenlets whose Python twin returns nothing.
type none = struct{}

// Python exceptions that the scenarios raise, as Go errors. The trace prints
// the Python class name and message when errors.Is matches, so the token is
// the same on both sides.
var (
	errBoom     = errors.New("boom")  // ValueError("boom")
	errKey      = errors.New("k")     // KeyError("k")
	errZeroDiv  = errors.New("1 / 0") // ZeroDivisionError
	errStop     = errors.New("now")   // Stop("now"), a user exception class
	errSlow     = errors.New("too slow")
	errValueCls = errors.New("")        // ValueError raised as a class: no args
	errInLink   = errors.New("in link") // ValueError("in link") raised in a link
)

// register adds a gevent twin that runs on a fresh hub and destroys it at
// the end, so twins run in one process (the Go test) do not share hubs. A
// failed destroy fails the scenario (a compared line and an error).
func register(name string, twin func(t *crosscheck.T)) {
	crosscheck.Register("gevent", name, func(t *crosscheck.T) {
		defer func() {
			if err := scheduler.GetHub().Destroy(); err != nil {
				t.Errorf("hub destroy: %v", err)
			}
		}()
		twin(t)
	})
}

// py formats a bool the way Python prints it.
func py(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// pyBools formats a list of bools the way Python prints a list.
func pyBools(bs []bool) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = py(b)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// pyStrs formats a list of strings the way Python prints a list.
func pyStrs(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = "'" + s + "'"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// sortedStrs is Python's sorted() of a list of str.
func sortedStrs(ss []string) string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return pyStrs(ss)
}

// pyNone prints a Go error the way the reference prints the matching
// Python exception attribute: None for nil.
func pyNone(err error) string {
	if err == nil {
		return "None"
	}
	return err.Error()
}

// unexpected prints a compared line for an error the reference never
// raises, so that it shows up in the diff instead of being dropped.
func unexpected(t *crosscheck.T, what string, err error) {
	if err != nil {
		t.Printf("UNEXPECTED %s: %v", what, err)
	}
}

// links converts greenlets to the Linkable list that Wait and IWait take.
func links[T any](gs []*scheduler.Greenlet[T]) []scheduler.Linkable {
	out := make([]scheduler.Linkable, len(gs))
	for i, g := range gs {
		out[i] = g
	}
	return out
}

// values returns the Value of each Linkable that is a *Greenlet[T].
func values[T any](ls []scheduler.Linkable) []T {
	out := make([]T, 0, len(ls))
	for _, l := range ls {
		if g, ok := l.(*scheduler.Greenlet[T]); ok {
			out = append(out, g.Value())
		}
	}
	return out
}

// errName names a scheduler error with the token the Python reference prints.
func errName(err error) string {
	switch {
	case err == nil:
		return "None"
	case errors.Is(err, scheduler.ErrTimeout):
		return "Timeout"
	case errors.Is(err, scheduler.ErrGreenletExit):
		return "GreenletExit"
	case errors.Is(err, scheduler.ErrLoopExit):
		return "LoopExit"
	}
	return fmt.Sprintf("%T(%v)", err, err)
}
