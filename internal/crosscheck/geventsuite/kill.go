package geventsuite

import (
	"errors"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("kill_blocked", killBlocked)
	register("kill_unstarted", killUnstarted)
	register("kill_unstarted_nonblocking", killUnstartedNonblocking)
	register("kill_nonblocking", killNonblocking)
	register("kill_custom_exception", killCustomException)
	register("kill_caught", killCaught)
	register("kill_dead", killDead)
	register("kill_self", killSelf)
	register("kill_self_links", killSelfLinks)
	register("kill_spawn_later", killSpawnLater)
	register("kill_in_timeout", killInTimeout)
	register("kill_io_wait", killIOWait)
	register("kill_from_greenlet", killFromGreenlet)
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

func killUnstartedNonblocking(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		t.Println("not reached")
		return none{}, nil
	})
	unexpected(t, "kill", g.KillAsync(nil))
	t.Println("dead", py(g.Dead()), "ready", py(g.Ready()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
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

// killSelf: Python's kill() of the current greenlet raises GreenletExit at
// the call; in Go Kill returns it and the body hands it back.
func killSelf(t *crosscheck.T) {
	var g *scheduler.Greenlet[none]
	g = scheduler.Spawn(func() (none, error) {
		t.Println("before")
		err := g.Kill(bg, nil)
		if err == nil {
			t.Println("not reached")
			return none{}, nil
		}
		if errors.Is(err, scheduler.ErrGreenletExit) {
			t.Println("got GreenletExit")
		}
		return none{}, err
	})
	unexpected(t, "join", g.Join(bg))
	t.Println("dead", py(g.Dead()), "successful", py(g.Successful()), exitValue(g))
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

func killSpawnLater(t *crosscheck.T) {
	g := scheduler.SpawnLater(50*ms, func() (none, error) {
		t.Println("not reached")
		return none{}, nil
	})
	g.Link(func(scheduler.Linkable) { t.Println("link ran") })
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("dead", py(g.Dead()), "started", py(g.Started()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 150*ms))
	t.Println("done")
}

func killInTimeout(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		to := startTimeout(t, 100*ms)
		defer to.Cancel()
		_, err := sleepForever()
		switch {
		case errors.Is(err, scheduler.ErrGreenletExit):
			t.Println("GreenletExit")
			return none{}, err
		case errors.Is(err, to):
			t.Println("Timeout")
			return none{}, nil
		}
		return none{}, err
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.Kill(bg, nil))
	unexpected(t, "sleep", scheduler.Sleep(bg, 200*ms))
	t.Println("done", py(g.Successful()))
}

func killIOWait(t *crosscheck.T) {
	r, w, closeBoth := pipe(t)
	defer closeBoth()
	reader := func(name string) func() (none, error) {
		return func() (none, error) {
			err := waitReadable(r)
			switch {
			case err == nil:
				t.Println(name, "readable")
			case errors.Is(err, scheduler.ErrGreenletExit):
				t.Println(name, "killed")
			}
			return none{}, err
		}
	}
	g := scheduler.Spawn(reader("r1"))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.Kill(bg, nil))
	if _, err := syscall.Write(w, []byte("x")); err != nil {
		t.Fatalf("write: %v", err)
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 25*ms))
	t.Println("after write")
	g2 := scheduler.Spawn(reader("r2"))
	unexpected(t, "join", g2.Join(bg))
	unexpected(t, "r2", g2.Err())
}

func killFromGreenlet(t *crosscheck.T) {
	v := scheduler.Spawn(func() (none, error) {
		defer t.Println("victim finally")
		return sleepForever()
	})
	v.Link(func(scheduler.Linkable) { t.Println("victim link") })
	k := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("killer kills")
		if err := v.Kill(bg, nil); err != nil {
			return none{}, err
		}
		t.Println("killer resumed, victim dead", py(v.Dead()))
		return none{}, nil
	})
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{k, v}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "killer", k.Err())
	t.Println("joined")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}
