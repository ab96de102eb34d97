package geventsuite

import (
	"errors"
	"strings"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("state_transitions", stateTransitions)
	register("greenlet_names", greenletNames)
	register("getcurrent", getCurrent)
	register("uncaught_error", uncaughtError)
	register("raise_greenletexit", raiseGreenletExit)
}

func stateTransitions(t *crosscheck.T) {
	var g *scheduler.Greenlet[int]
	g = scheduler.New(func() (int, error) {
		show(t, "running", g)
		if err := scheduler.Sleep(bg, 50*ms); err != nil {
			return 0, err
		}
		return 1, nil
	})
	show(t, "new", g)
	g.Start()
	show(t, "scheduled", g)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	show(t, "blocked", g)
	unexpected(t, "join", g.Join(bg))
	show(t, "finished", g)
}

func greenletNames(t *crosscheck.T) {
	f := func() (string, error) { return scheduler.GetCurrent().Name(), nil }
	a := scheduler.Spawn(f)
	b := scheduler.New(f)
	prefix := func(s string) string { p, _, _ := strings.Cut(s, "-"); return p }
	t.Println("a", prefix(a.Name()), "b", prefix(b.Name()))
	t.Println("consecutive", nameNumber(b.Name())-nameNumber(a.Name()))
	b.SetName("worker")
	b.Start()
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[string]{a, b}, 0)
	unexpected(t, "joinall", err)
	t.Println("b name", b.Name(), "value", b.Value())
	t.Println("main is a Greenlet", py(scheduler.GetCurrent() != nil))
}

func getCurrent(t *crosscheck.T) {
	var g *scheduler.Greenlet[bool]
	g = scheduler.Spawn(func() (bool, error) {
		cur, ok := scheduler.GetCurrent().(*scheduler.Greenlet[bool])
		return ok && cur == g, nil
	})
	t.Println("main", py(scheduler.GetCurrent() != nil))
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("inside is self", py(v))
}

// uncaughtError: a Python exception escaping the greenlet is a Go body
// returning an error; the hub reports it on stderr (not compared). Python's
// value None is the zero value of the Go greenlet's type, a nil *int.
func uncaughtError(t *crosscheck.T) {
	b := scheduler.Spawn(func() (*int, error) {
		t.Println("bad runs")
		return nil, errBoom
	})
	o := scheduler.Spawn(func() (int, error) {
		t.Println("other runs")
		return 2, nil
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	t.Println("main continues")
	val := "None"
	if b.Value() != nil {
		val = "not None"
	}
	exc := errName(b.Err())
	if errors.Is(b.Err(), errBoom) {
		exc = "ValueError boom"
	}
	t.Println("bad", py(b.Dead()), py(b.Ready()), py(b.Successful()), val, exc)
	t.Println("other", py(o.Dead()), py(o.Successful()), o.Value(), pyNone(o.Err()))
}

// raiseGreenletExit: a body returning ErrGreenletExit is gevent's body
// raising GreenletExit.
func raiseGreenletExit(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) { return none{}, scheduler.ErrGreenletExit })
	g.LinkValue(func(scheduler.Linkable) { t.Println("link_value") })
	g.LinkException(func(scheduler.Linkable) { t.Println("link_exception") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("successful", py(g.Successful()), "exception", pyNone(g.Err()), exitValue(g))
}

// nameNumber is the N of a default "Greenlet-N" name, -1 if there is none.
func nameNumber(name string) int {
	_, num, ok := strings.Cut(name, "-")
	if !ok {
		return -1
	}
	n := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
