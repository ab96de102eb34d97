package greenletsuite

import (
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	register("values_both_ways", valuesBothWays)
	register("return_to_parent", returnToParent)
	register("switch_no_args", switchNoArgs)
	register("switch_several_values", switchSeveralValues)
	register("generator", generator)
	register("states_lifecycle", statesLifecycle)
	register("current_identity", currentIdentity)
	register("main_greenlet", mainGreenlet)
}

func valuesBothWays(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(x any) (any, error) {
		t.Printf("child got %v", x)
		y := must(t)(m.Switch(x.(int) + 1))
		t.Printf("child got %v", y)
		z := must(t)(m.Switch(y.(int) * 2))
		t.Printf("child got %v", z)
		return z.(int) + 100, nil
	})
	t.Printf("main got %v", must(t)(g.Switch(1)))
	t.Printf("main got %v", must(t)(g.Switch(5)))
	t.Printf("main got %v", must(t)(g.Switch(7)))
	t.Printf("dead %s", py(g.Dead()))
}

func returnToParent(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(x any) (any, error) { return x.(int) * 3, nil })
	t.Printf("result %v", must(t)(g.Switch(14)))
	t.Printf("dead %s active %s", py(g.Dead()), py(g.Active()))
}

func switchNoArgs(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) {
		t.Printf("child started")
		v := must(t)(m.Switch(nil))
		t.Printf("child got %s", show(v))
		return "end", nil
	})
	t.Printf("main got %s", show(must(t)(g.Switch(nil))))
	t.Printf("main got %s", show(must(t)(g.Switch(nil))))
}

func switchSeveralValues(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(x any) (any, error) {
		t.Printf("child got %s", show(x))
		v := must(t)(m.Switch(greenlet.Args{3, 4}))
		t.Printf("child got %s", show(v))
		return "end", nil
	})
	t.Printf("main got %s", show(must(t)(g.Switch(1))))
	t.Printf("main got %s", show(must(t)(g.Switch(greenlet.Args{5, 6}))))
}

func generator(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(n any) (any, error) {
		for i := 0; i < n.(int); i++ {
			if _, err := m.Switch(i * i); err != nil {
				return nil, err
			}
		}
		return "done", nil
	})
	v := must(t)(g.Switch(4))
	for !g.Dead() {
		t.Printf("yielded %v", v)
		v = must(t)(g.Switch(nil))
	}
	t.Printf("final %v", v)
}

func statesLifecycle(t *crosscheck.T, m *greenlet.Greenlet) {
	var g *greenlet.Greenlet
	g = greenlet.New(func(any) (any, error) {
		t.Printf("inside dead %s active %s", py(g.Dead()), py(g.Active()))
		return m.Switch(nil)
	})
	t.Printf("unstarted dead %s active %s", py(g.Dead()), py(g.Active()))
	must(t)(g.Switch(nil))
	t.Printf("suspended dead %s active %s", py(g.Dead()), py(g.Active()))
	must(t)(g.Switch(nil))
	t.Printf("finished dead %s active %s", py(g.Dead()), py(g.Active()))
}

func currentIdentity(t *crosscheck.T, m *greenlet.Greenlet) {
	t.Printf("main is current %s", py(greenlet.Current() == m))
	var g *greenlet.Greenlet
	g = greenlet.New(func(any) (any, error) {
		me := greenlet.Current()
		t.Printf("child is current %s", py(me == g))
		t.Printf("child parent is main %s", py(me.Parent() == m))
		must(t)(m.Switch(nil))
		t.Printf("still current %s", py(greenlet.Current() == g))
		return nil, nil
	})
	must(t)(g.Switch(nil))
	t.Printf("back in main %s", py(greenlet.Current() == m))
	must(t)(g.Switch(nil))
	t.Printf("main is current %s", py(greenlet.Current() == m))
}

func mainGreenlet(t *crosscheck.T, m *greenlet.Greenlet) {
	t.Printf("parent is None %s", py(m.Parent() == nil))
	t.Printf("dead %s active %s", py(m.Dead()), py(m.Active()))
	t.Printf("self switch %v", must(t)(m.Switch(9)))
	g := greenlet.New(func(any) (any, error) {
		t.Printf("child sees main parent None %s", py(m.Parent() == nil))
		return "ok", nil
	})
	t.Printf("main got %v", must(t)(g.Switch(nil)))
}
