package greenletsuite

import (
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	register("trace_switch_throw", traceSwitchThrow)
	register("trace_dead_self_error", traceDeadSelfError)
	register("trace_sibling", traceSibling)
	register("trace_hook_raises", traceHookRaises)
	register("trace_throw_unstarted", traceThrowUnstarted)
}

func traceSwitchThrow(t *crosscheck.T, m *greenlet.Greenlet) {
	g := named(greenlet.New(func(any) (any, error) {
		m.Switch(nil) // the ValueError thrown in is dropped, as in the reference
		return m.Switch(nil)
	}), "g")
	greenlet.SetTrace(tracer(t))
	g.Switch(nil)
	g.Throw(pyErr("ValueError", "x"))
	g.Throw(nil)
	u := named(greenlet.New(func(any) (any, error) { return nil, nil }), "u")
	u.Throw(nil)
	greenlet.SetTrace(nil)
	t.Printf("end")
}

func traceDeadSelfError(t *crosscheck.T, m *greenlet.Greenlet) {
	d := named(greenlet.New(func(any) (any, error) { return nil, nil }), "d")
	must(t)(d.Switch(nil))
	e := named(greenlet.New(func(any) (any, error) {
		panic(pyErr("ZeroDivisionError", "integer division or modulo by zero"))
	}), "e")
	greenlet.SetTrace(tracer(t))
	m.Switch(nil)
	d.Switch(nil)
	d.Throw(nil)
	if _, err := e.Switch(nil); err != nil {
		t.Printf("main caught %s", kind(err))
	}
	greenlet.SetTrace(nil)
	t.Printf("end")
}

func traceSibling(t *crosscheck.T, m *greenlet.Greenlet) {
	var b *greenlet.Greenlet
	a := named(greenlet.New(func(any) (any, error) { return b.Switch(nil) }), "a")
	b = named(greenlet.New(func(any) (any, error) { return "b end", nil }), "b")
	greenlet.SetTrace(tracer(t))
	a.Switch(nil)
	greenlet.SetTrace(nil)
	t.Printf("a dead %s b dead %s", py(a.Dead()), py(b.Dead()))
}

// traceHookRaises: a hook that panics is uninstalled, and its panic is
// raised in the greenlet it ran in instead of what the transfer carried.
func traceHookRaises(t *crosscheck.T, m *greenlet.Greenlet) {
	run := func(x any) (any, error) {
		t.Printf("child started with %v", x)
		v, err := m.Switch("parked")
		if err != nil {
			caught(t, "child", err)
		} else {
			t.Printf("child got %v", v)
		}
		return "child end", nil
	}
	removed := func() string { return py(greenlet.Trace() == nil) }

	// Raised in a greenlet that was starting: it dies without running.
	a := named(greenlet.New(run), "a")
	greenlet.SetTrace(raisingTracer(t, 1))
	_, err := a.Switch(1)
	caught(t, "main", err)
	t.Printf("removed %s a dead %s", removed(), py(a.Dead()))
	t.Printf("main got %v", must(t)(a.Switch(2)))

	// Raised in main as it is switched back to.
	b := named(greenlet.New(run), "b")
	greenlet.SetTrace(raisingTracer(t, 2))
	_, err = b.Switch(1)
	caught(t, "main", err)
	t.Printf("removed %s", removed())
	t.Printf("main got %v", must(t)(b.Switch("again")))

	// Raised in a suspended greenlet as it is resumed.
	c := named(greenlet.New(run), "c")
	greenlet.SetTrace(raisingTracer(t, 3))
	t.Printf("main got %v", must(t)(c.Switch(1)))
	t.Printf("main got %v", must(t)(c.Switch("lost")))
	t.Printf("removed %s", removed())

	// Raised instead of a thrown error.
	d := named(greenlet.New(run), "d")
	t.Printf("main got %v", must(t)(d.Switch(1)))
	greenlet.SetTrace(raisingTracer(t, 1))
	t.Printf("main got %v", must(t)(d.Throw(pyErr("KeyError", "k"))))
	t.Printf("removed %s", removed())
}

// traceThrowUnstarted: a throw into an unstarted greenlet starts it to die
// of the error, so the hook runs in the target.
func traceThrowUnstarted(t *crosscheck.T, m *greenlet.Greenlet) {
	nop := func(any) (any, error) { return nil, nil }
	u := named(greenlet.New(nop), "u")
	v := named(greenlet.New(nop), "v")
	greenlet.SetTrace(whereTracer(t))
	r := must(t)(u.Throw(nil))
	t.Printf("main got %s", kind(r.(error)))
	_, err := v.Throw(pyErr("ValueError", "early"))
	caught(t, "main", err)

	// w dies into its unstarted parent p, which returns to main and
	// leaves c suspended.
	p := named(greenlet.New(func(any) (any, error) {
		t.Printf("p started")
		return "p end", nil
	}), "p")
	c := named(greenlet.New(func(any) (any, error) {
		w, err := greenlet.NewWithParent(p, nop)
		if err != nil {
			return nil, err
		}
		r, err := named(w, "w").Throw(nil)
		if err != nil {
			return nil, err
		}
		t.Printf("c got %s", kind(r.(error)))
		return "c end", nil
	}), "c")
	t.Printf("main got %v", must(t)(c.Switch(nil)))
	greenlet.SetTrace(nil)
	t.Printf("u dead %s v dead %s c active %s", py(u.Dead()), py(v.Dead()), py(c.Active()))
}
