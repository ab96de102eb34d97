package greenletsuite

import (
	"github.com/geventgo/geventgo/crosscheck"
	"github.com/geventgo/geventgo/greenlet"
)

func init() {
	register("trace_switch_throw", traceSwitchThrow)
	register("trace_dead_self_error", traceDeadSelfError)
	register("trace_sibling", traceSibling)
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
