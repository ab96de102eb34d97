package greenletsuite

import (
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	register("throw_default", throwDefault)
	register("throw_custom_caught", throwCustomCaught)
	register("throw_custom_uncaught", throwCustomUncaught)
	register("throw_unstarted", throwUnstarted)
	register("throw_dead", throwDead)
	register("throw_self", throwSelf)
	register("greenletexit_raised", greenletexitRaised)
	register("greenletexit_caught", greenletexitCaught)
	register("greenletexit_unstarted_parent", greenletexitUnstartedParent)
	register("error_propagates", errorPropagates)
	register("panic_propagates", panicPropagates)
	register("error_through_chain", errorThroughChain)
	register("kill_runs_cleanup", killRunsCleanup)
}

func throwDefault(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) {
		defer t.Printf("child finally")
		return m.Switch("parked")
	})
	t.Printf("main got %v", must(t)(g.Switch(nil)))
	r := must(t)(g.Throw(nil))
	t.Printf("main got %s", kind(r.(error)))
	t.Printf("dead %s", py(g.Dead()))
}

func throwCustomCaught(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) {
		if _, err := m.Switch("parked"); err != nil {
			t.Printf("child caught %s", errText(err))
		}
		v, err := m.Switch("parked again")
		if err != nil {
			return nil, err
		}
		return "end " + v.(string), nil
	})
	t.Printf("main got %v", must(t)(g.Switch(nil)))
	t.Printf("main got %v", must(t)(g.Throw(pyErr("ValueError", "bad"))))
	t.Printf("main got %v", must(t)(g.Switch("x")))
}

func throwCustomUncaught(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) { return m.Switch("parked") })
	t.Printf("main got %v", must(t)(g.Switch(nil)))
	if _, err := g.Throw(pyErr("ValueError", "boom")); err != nil {
		t.Printf("main caught %s", errText(err))
	}
	t.Printf("dead %s", py(g.Dead()))
}

func throwUnstarted(t *crosscheck.T, m *greenlet.Greenlet) {
	run := func(any) (any, error) {
		t.Printf("never printed")
		return nil, nil
	}
	g := greenlet.New(run)
	t.Printf("dead %s active %s", py(g.Dead()), py(g.Active()))
	r := must(t)(g.Throw(nil))
	t.Printf("main got %s", kind(r.(error)))
	t.Printf("dead %s active %s", py(g.Dead()), py(g.Active()))
	h := greenlet.New(run)
	if _, err := h.Throw(pyErr("ValueError", "early")); err != nil {
		t.Printf("main caught %s", errText(err))
	}
	t.Printf("dead %s", py(h.Dead()))
}

func throwDead(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) { return "done", nil })
	t.Printf("main got %v", must(t)(g.Switch(nil)))
	r := must(t)(g.Throw(nil))
	t.Printf("main got %s", kind(r.(error)))
	if _, err := g.Throw(pyErr("ValueError", "late")); err != nil {
		t.Printf("main caught %s", errText(err))
	}
}

func throwSelf(t *crosscheck.T, m *greenlet.Greenlet) {
	if _, err := m.Throw(nil); errors.Is(err, greenlet.ErrGreenletExit) {
		t.Printf("main caught GreenletExit")
	}
	g := greenlet.New(func(any) (any, error) {
		if _, err := greenlet.Current().Throw(pyErr("ValueError", "self")); err != nil {
			t.Printf("child caught %s", errText(err))
		}
		return "child end", nil
	})
	t.Printf("main got %v", must(t)(g.Switch(nil)))
}

func greenletexitRaised(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) {
		return nil, fmt.Errorf("%w: bye", greenlet.ErrGreenletExit)
	})
	r := must(t)(g.Switch(nil))
	t.Printf("main got %s", show(r))
	t.Printf("dead %s", py(g.Dead()))
}

func greenletexitCaught(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) {
		_, err := m.Switch("parked")
		if errors.Is(err, greenlet.ErrGreenletExit) {
			t.Printf("child cleaning up")
			return "cleaned", nil
		}
		return nil, err
	})
	t.Printf("main got %v", must(t)(g.Switch(nil)))
	t.Printf("main got %v", must(t)(g.Throw(nil)))
	t.Printf("dead %s", py(g.Dead()))
}

// greenletexitUnstartedParent: the GreenletExit a greenlet dies of reaches
// its parent as a value; an unstarted parent starts with no argument (nil),
// a suspended one gets the error as its switch's value.
func greenletexitUnstartedParent(t *crosscheck.T, m *greenlet.Greenlet) {
	prun := func(v any) (any, error) {
		t.Printf("p started with %s", show(v))
		return m.Switch("p parked")
	}
	exitBye := func(any) (any, error) { return nil, fmt.Errorf("%w: bye", greenlet.ErrGreenletExit) }
	unreached := func(any) (any, error) { return "unreached", nil }
	withParent := func(parent *greenlet.Greenlet, run greenlet.Func) *greenlet.Greenlet {
		c, err := greenlet.NewWithParent(parent, run)
		must(t)(nil, err)
		return c
	}

	t.Printf("main got %v", must(t)(withParent(greenlet.New(prun), exitBye).Switch(nil)))
	t.Printf("main got %v", must(t)(withParent(greenlet.New(prun), unreached).Throw(nil)))
	early := fmt.Errorf("%w: early", greenlet.ErrGreenletExit)
	t.Printf("main got %v", must(t)(withParent(greenlet.New(prun), unreached).Throw(early)))

	d := greenlet.New(func(any) (any, error) { return "d end", nil })
	t.Printf("main got %v", must(t)(d.Switch(nil)))
	must(t)(nil, d.SetParent(greenlet.New(prun)))
	t.Printf("main got %v", must(t)(d.Throw(nil)))

	result := func(any) (any, error) { return "c result", nil }
	t.Printf("main got %v", must(t)(withParent(greenlet.New(prun), result).Switch(nil)))

	q := greenlet.New(func(any) (any, error) {
		v := must(t)(m.Switch("q parked"))
		t.Printf("q got %s", show(v))
		return "q end", nil
	})
	t.Printf("main got %v", must(t)(q.Switch(nil)))
	t.Printf("main got %v", must(t)(withParent(q, exitBye).Switch(nil)))
}

func errorPropagates(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(x any) (any, error) {
		t.Printf("child got %v", x)
		return nil, pyErr("ValueError", "from child")
	})
	if _, err := g.Switch(1); err != nil {
		t.Printf("main caught %s", errText(err))
	}
	t.Printf("dead %s", py(g.Dead()))
}

// Python's 1 // 0 is a runtime fault; its Go equivalent is a panic,
// which reaches the parent as a *greenlet.PanicError wrapping the value.
func panicPropagates(t *crosscheck.T, m *greenlet.Greenlet) {
	g := greenlet.New(func(any) (any, error) {
		t.Printf("child dividing")
		panic(pyErr("ZeroDivisionError", "integer division or modulo by zero"))
	})
	_, err := g.Switch(nil)
	var pe *greenlet.PanicError
	if errors.As(err, &pe) {
		t.Printf("main caught %s", errText(err))
	}
	t.Printf("dead %s", py(g.Dead()))
}

func errorThroughChain(t *crosscheck.T, m *greenlet.Greenlet) {
	mid := greenlet.New(func(any) (any, error) {
		leaf := greenlet.New(func(any) (any, error) { return nil, errors.New("KeyError: leaf") })
		if _, err := leaf.Switch(nil); err != nil {
			t.Printf("mid caught %s", errText(err))
		}
		inner := greenlet.New(func(any) (any, error) { return nil, pyErr("ValueError", "inner") })
		if _, err := inner.Switch(nil); err != nil {
			return nil, err
		}
		return "unreached", nil
	})
	if _, err := mid.Switch(nil); err != nil {
		t.Printf("main caught %s", errText(err))
	}
	t.Printf("dead %s", py(mid.Dead()))
}

// Python kills an unreachable suspended greenlet when it is collected.
// Go cannot see that moment (a suspended coroutine is never collected),
// so the Go equivalent is an explicit KillAll of the owner, which kills
// every started greenlet newest first, as the two collections do here.
func killRunsCleanup(t *crosscheck.T, m *greenlet.Greenlet) {
	run := func(name any) (any, error) {
		defer t.Printf("%v cleanup", name)
		return m.Switch(nil)
	}
	must(t)(greenlet.New(run).Switch("first"))
	must(t)(greenlet.New(run).Switch("second"))
	must(t)(nil, m.KillAll())
	t.Printf("end")
}
