package greenletsuite

import (
	"errors"
	"fmt"
	"strings"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

// Conventions shared by the twins, so both sides print the same text:
//   - Python's switch() is Switch(nil), and the receiver prints nil as "()",
//     the empty tuple Python hands over; the references never switch None.
//   - switch(a, b) is Switch(greenlet.Args{a, b}), printed "(a, b)".
//   - A Python exception is a Go error whose text is "Type: message"; a
//     GreenletExit is greenlet.ErrGreenletExit, printed "GreenletExit".
//   - A Python runtime fault (1 // 0) is a Go panic with such an error.

// register adds a twin that runs with a fresh main greenlet, closed at the
// end so no coroutine outlives the scenario; a failed close fails it.
func register(name string, twin func(t *crosscheck.T, m *greenlet.Greenlet)) {
	crosscheck.Register("greenlet", name, func(t *crosscheck.T) {
		m := greenlet.Current()
		defer func() {
			if err := m.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
		twin(t, m)
	})
}

// pyErr makes the Go stand-in of a Python exception instance.
func pyErr(kind, msg string) error { return errors.New(kind + ": " + msg) }

// show formats a value as the Python references print it.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "()"
	case greenlet.Args:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case error:
		return errText(x)
	default:
		return fmt.Sprint(x)
	}
}

// errText is "Type: message" for a Python-style error, "GreenletExit" (with
// its message, if any) for a GreenletExit, the panic's error for a panic of
// a greenlet or of a trace hook.
func errText(err error) string {
	var pe *greenlet.PanicError
	if errors.As(err, &pe) {
		return panicText(pe.Value)
	}
	var te *greenlet.TraceError
	if errors.As(err, &te) {
		return panicText(te.Value)
	}
	if errors.Is(err, greenlet.ErrGreenletExit) {
		return strings.TrimPrefix(err.Error(), "greenlet: ")
	}
	return err.Error()
}

func panicText(v any) string {
	if e, ok := v.(error); ok {
		return errText(e)
	}
	return fmt.Sprint(v)
}

// kind is the Python exception type name of err.
func kind(err error) string {
	t := errText(err)
	if i := strings.Index(t, ":"); i >= 0 {
		return t[:i]
	}
	return t
}

func py(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// named gives greenlets the names the trace references print.
func named(g *greenlet.Greenlet, name string) *greenlet.Greenlet {
	g.Value = name
	return g
}

func nameOf(g *greenlet.Greenlet) string {
	if g.IsMain() {
		return "main"
	}
	if s, ok := g.Value.(string); ok {
		return s
	}
	return g.String()
}

// tracer prints every trace event the way the references' settrace hooks do.
func tracer(t *crosscheck.T) greenlet.TraceFunc {
	return func(event string, origin, target *greenlet.Greenlet) {
		t.Printf("trace %s %s %s", event, nameOf(origin), nameOf(target))
	}
}

// whereTracer also prints which greenlet the hook runs in and the target's
// state, the way trace_throw_unstarted.py's hook does.
func whereTracer(t *crosscheck.T) greenlet.TraceFunc {
	return func(event string, origin, target *greenlet.Greenlet) {
		t.Printf("trace %s %s %s current %s active %s dead %s", event, nameOf(origin), nameOf(target),
			nameOf(greenlet.Current()), py(target.Active()), py(target.Dead()))
	}
}

// raisingTracer is tracer that panics with a ValueError on its call
// number at (from 1), as trace_hook_raises.py's hook raises.
func raisingTracer(t *crosscheck.T, at int) greenlet.TraceFunc {
	n := 0
	return func(event string, origin, target *greenlet.Greenlet) {
		n++
		t.Printf("trace %s %s %s", event, nameOf(origin), nameOf(target))
		if n == at {
			panic(pyErr("ValueError", fmt.Sprintf("tracer %d", n)))
		}
	}
}

// caught prints an error the way the references' except clauses do.
func caught(t *crosscheck.T, who string, err error) {
	if err != nil {
		t.Printf("%s caught %s", who, errText(err))
	}
}

// must(t)(g.Switch(v)) returns the value of a step that cannot fail in the
// reference, and stops the twin when it fails.
func must(t *crosscheck.T) func(v any, err error) any {
	return func(v any, err error) any {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
