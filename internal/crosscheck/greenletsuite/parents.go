package greenletsuite

import (
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	register("parent_chain", parentChain)
	register("reparent_errors", reparentErrors)
	register("reparent_changes_return", reparentChangesReturn)
	register("switch_to_dead", switchToDead)
	register("switch_to_dead_chain", switchToDeadChain)
	register("sibling_switch", siblingSwitch)
	register("three_level_nesting", threeLevelNesting)
}

func parentChain(t *crosscheck.T, m *greenlet.Greenlet) {
	var b *greenlet.Greenlet
	a := greenlet.New(func(any) (any, error) {
		c, err := greenlet.NewWithParent(b, func(any) (any, error) { return "c result", nil })
		if err != nil {
			return nil, err
		}
		t.Printf("a made c with parent b")
		return c, nil
	})
	b = greenlet.New(func(any) (any, error) { return m.Switch("b parked") })
	t.Printf("main got %v", must(t)(b.Switch(nil)))
	c := must(t)(a.Switch(nil)).(*greenlet.Greenlet)
	t.Printf("a dead %s", py(a.Dead()))
	t.Printf("main got %v", must(t)(c.Switch(nil)))
	t.Printf("b dead %s c dead %s", py(b.Dead()), py(c.Dead()))
	t.Printf("main got %v", must(t)(b.Switch("to b")))
	t.Printf("b dead %s", py(b.Dead()))
}

func reparentErrors(t *crosscheck.T, m *greenlet.Greenlet) {
	nop := func(any) (any, error) { return nil, nil }
	a := greenlet.New(nop)
	b, _ := greenlet.NewWithParent(a, nop)
	c, _ := greenlet.NewWithParent(b, nop)
	for _, step := range []struct {
		what string
		do   func() error
	}{
		{"a.parent=c", func() error { return a.SetParent(c) }},
		{"a.parent=a", func() error { return a.SetParent(a) }},
		{"main.parent=a", func() error { return m.SetParent(a) }},
		{"a.parent=None", func() error { return a.SetParent(nil) }},
	} {
		if err := step.do(); err != nil {
			t.Printf("%s refused", step.what)
		} else {
			t.Printf("%s ok", step.what)
		}
	}
	must(t)(nil, c.SetParent(a))
	t.Printf("c.parent is a %s", py(c.Parent() == a))
	must(t)(nil, b.SetParent(c))
	t.Printf("b.parent is c %s", py(b.Parent() == c))
}

func reparentChangesReturn(t *crosscheck.T, m *greenlet.Greenlet) {
	p := greenlet.New(func(any) (any, error) {
		v := must(t)(m.Switch("p parked"))
		t.Printf("p got %v", v)
		return "p end " + v.(string), nil
	})
	t.Printf("main got %v", must(t)(p.Switch(nil)))
	g := greenlet.New(func(any) (any, error) {
		must(t)(m.Switch("g parked"))
		return "g result", nil
	})
	t.Printf("main got %v", must(t)(g.Switch(nil)))
	must(t)(nil, g.SetParent(p))
	t.Printf("main got %v", must(t)(g.Switch(nil)))
}

func switchToDead(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) { return "first", nil })
	t.Printf("main got %v", must(t)(g.Switch(nil)))
	t.Printf("main got %v", must(t)(g.Switch(42)))
	o := greenlet.New(func(any) (any, error) {
		inner := greenlet.New(func(any) (any, error) { return "inner done", nil })
		t.Printf("outer got %v", must(t)(inner.Switch(nil)))
		t.Printf("outer got %v", must(t)(inner.Switch("again")))
		return "outer done", nil
	})
	t.Printf("main got %v", must(t)(o.Switch(nil)))
}

func switchToDeadChain(t *crosscheck.T, m *greenlet.Greenlet) {
	a := greenlet.New(func(any) (any, error) {
		b := greenlet.New(func(any) (any, error) { return "b done", nil })
		t.Printf("a got %v", must(t)(b.Switch(nil)))
		return b, nil
	})
	b := must(t)(a.Switch(nil)).(*greenlet.Greenlet)
	t.Printf("a dead %s b dead %s", py(a.Dead()), py(b.Dead()))
	t.Printf("main got %v", must(t)(b.Switch("through two dead")))
}

func siblingSwitch(t *crosscheck.T, m *greenlet.Greenlet) {
	var a, b *greenlet.Greenlet
	a = greenlet.New(func(any) (any, error) {
		t.Printf("a start")
		v := must(t)(b.Switch("from a"))
		t.Printf("a got %s", show(v))
		v = must(t)(b.Switch("from a again"))
		t.Printf("a got %s", show(v))
		return "a end", nil
	})
	b = greenlet.New(func(v any) (any, error) {
		t.Printf("b got %s", show(v))
		v = must(t)(a.Switch("from b"))
		t.Printf("b got %s", show(v))
		return "b end", nil
	})
	t.Printf("main got %v", must(t)(a.Switch(nil)))
	t.Printf("a dead %s b dead %s", py(a.Dead()), py(b.Dead()))
	t.Printf("main got %v", must(t)(a.Switch(nil)))
}

func threeLevelNesting(t *crosscheck.T, m *greenlet.Greenlet) {
	var cg *greenlet.Greenlet
	cRun := func(x any) (any, error) {
		t.Printf("c got %v", x)
		v := must(t)(m.Switch("c to main"))
		t.Printf("c got %v", v)
		return "c end", nil
	}
	bRun := func(x any) (any, error) {
		t.Printf("b got %v", x)
		cg = greenlet.New(cRun)
		v := must(t)(cg.Switch(x.(int) + 1))
		t.Printf("b got %v", v)
		return "b end", nil
	}
	a := greenlet.New(func(x any) (any, error) {
		t.Printf("a got %v", x)
		b := greenlet.New(bRun)
		v := must(t)(b.Switch(x.(int) + 1))
		t.Printf("a got %v", v)
		return "a end", nil
	})
	t.Printf("main got %v", must(t)(a.Switch(1)))
	t.Printf("main got %v", must(t)(cg.Switch("main to c")))
}
