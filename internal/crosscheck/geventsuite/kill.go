package geventsuite

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("kill_blocked", killBlocked)
	register("kill_unstarted", killUnstarted)
	register("kill_nonblocking", killNonblocking)
	register("kill_custom_exception", killCustomException)
	register("kill_caught", killCaught)
	register("kill_dead", killDead)
	register("killall_order", killallOrder)
	register("kill_self_links", killSelfLinks)
}

// exitValue prints what gevent stores as the value of a killed greenlet:
// the GreenletExit instance. Go keeps Value() the zero T and records the
// GreenletExit where ExitErr (errors.Is(..., ErrGreenletExit)) can see it,
// while Err() stays nil because the greenlet counts as successful.
func exitValue[T any](g *scheduler.Greenlet[T]) string {
	if errors.Is(g.ExitErr(), scheduler.ErrGreenletExit) {
		return "GreenletExit"
	}
	return errName(g.ExitErr())
}

// sleepForever is a body blocked in a long sleep that prints nothing and
// hands back whatever error woke it.
func sleepForever() (none, error) {
	return none{}, scheduler.Sleep(bg, 10*time.Second)
}

func killBlocked(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		// Python's try/finally: the deferred print runs however the body ends.
		defer t.Println("finally")
		t.Println("sleeping")
		err := scheduler.Sleep(bg, 10*time.Second)
		if err == nil {
			t.Println("not reached")
		}
		if errors.Is(err, scheduler.ErrGreenletExit) {
			t.Println("got GreenletExit")
		}
		return none{}, err
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("dead", py(g.Dead()), "successful", py(g.Successful()), "exception", pyNone(g.Err()))
	t.Println("value", exitValue(g))
}

func killUnstarted(t *crosscheck.T) {
	f := func() (none, error) {
		t.Println("not reached")
		return none{}, nil
	}
	g := scheduler.Spawn(f)
	t.Println("started", py(g.Started()), "dead", py(g.Dead()))
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("started", py(g.Started()), "dead", py(g.Dead()), "ready", py(g.Ready()), "successful", py(g.Successful()))
	t.Println("value", exitValue(g))
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	n := scheduler.New(f)
	unexpected(t, "kill", n.Kill(bg, nil))
	t.Println("never-started dead", py(n.Dead()), "ready", py(n.Ready()), exitValue(n))
}

func killNonblocking(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		defer t.Println("finally")
		return sleepForever()
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.KillAsync(nil))
	t.Println("after kill dead", py(g.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0 dead", py(g.Dead()))
}

func killCustomException(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		_, err := sleepForever()
		if errors.Is(err, errStop) {
			t.Println("caught Stop", errStop)
		}
		return none{}, err
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.Kill(bg, errStop))
	if errors.Is(g.Err(), errStop) {
		t.Println("dead", py(g.Dead()), "successful", py(g.Successful()), "Stop", errStop)
	} else {
		t.Println("dead", py(g.Dead()), "successful", py(g.Successful()), errName(g.Err()))
	}
}

// killCaught: gevent's kill(timeout=) returns None when the target outlives
// the timeout; the Go Kill may report that as an ErrTimeout-matching error,
// which is accepted as the same outcome.
func killCaught(t *crosscheck.T) {
	g := scheduler.Spawn(func() (string, error) {
		if _, err := sleepForever(); errors.Is(err, scheduler.ErrGreenletExit) {
			t.Println("caught kill")
		}
		for i := range 2 {
			if err := scheduler.Sleep(bg, 100*ms); err != nil {
				return "", err
			}
			t.Println("still running", i)
		}
		return "finished", nil
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	if err := g.Kill(within(50*ms), nil); !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "kill", err)
	}
	t.Println("after kill dead", py(g.Dead()))
	unexpected(t, "join", g.Join(bg))
	t.Println("joined", py(g.Dead()), g.Value(), py(g.Successful()))
}

func killDead(t *crosscheck.T) {
	g := scheduler.Spawn(func() (string, error) { return "v", nil })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("dead", py(g.Dead()), "value", g.Value(), "successful", py(g.Successful()))
	b := scheduler.Spawn(func() (int, error) { return 0, errZeroDiv })
	unexpected(t, "join", b.Join(bg))
	unexpected(t, "kill", b.Kill(bg, nil))
	if errors.Is(b.Err(), errZeroDiv) {
		t.Println("bad ZeroDivisionError")
	} else {
		t.Println("bad", errName(b.Err()))
	}
}

func killallOrder(t *crosscheck.T) {
	f := func(n string) func() (none, error) {
		return func() (none, error) {
			_, err := sleepForever()
			if errors.Is(err, scheduler.ErrGreenletExit) {
				t.Println("exit", n)
			}
			return none{}, err
		}
	}
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(f(n)))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killall", scheduler.KillAll(bg, gs, nil))
	t.Println("dead", pyBools([]bool{gs[0].Dead(), gs[1].Dead(), gs[2].Dead()}))
	gs2 := []*scheduler.Greenlet[none]{scheduler.Spawn(f("x")), scheduler.Spawn(f("y"))}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killall", scheduler.KillAllAsync(gs2, nil))
	t.Println("nonblocking dead", pyBools([]bool{gs2[0].Dead(), gs2[1].Dead()}))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("later dead", pyBools([]bool{gs2[0].Dead(), gs2[1].Dead()}))
}

func killSelfLinks(t *crosscheck.T) {
	g := scheduler.Spawn(sleepForever)
	g.Link(func(scheduler.Linkable) { t.Println("link ran", py(g.Dead())) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("kill returned")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0")
}
