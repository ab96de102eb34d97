package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("timeout_during_join", timeoutDuringJoin)
	register("timeout_leaked", timeoutLeaked)
	register("joinall_raise_killed", joinallRaiseKilled)
	register("killall_custom_exception", killallCustomException)
	register("kill_in_timeout", killInTimeout)
}

func timeoutDuringJoin(t *crosscheck.T) {
	b := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 150*ms); err != nil {
			return none{}, err
		}
		t.Println("g2 done")
		return none{}, nil
	})
	a := scheduler.Spawn(func() (none, error) {
		err := func() error {
			to := startTimeout(t, 50*ms)
			defer to.Cancel()
			if err := b.Join(bg); errors.Is(err, to) {
				t.Println("g1 timeout")
			} else if err != nil {
				return err
			}
			return nil
		}()
		if err != nil {
			return none{}, err
		}
		if err := scheduler.Sleep(bg, 250*ms); err != nil {
			return none{}, err
		}
		t.Println("g1 woke")
		return none{}, nil
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 200*ms))
	t.Println("main 40")
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{a, b}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "g1", a.Err())
	t.Println("done")
}

// timeoutLeaked: a Python Timeout.start_new never cancelled is a Go
// StartTimeout whose Cancel is never called.
func timeoutLeaked(t *crosscheck.T) {
	g := scheduler.Spawn(func() (string, error) {
		startTimeout(t, 50*ms)
		return "returned", nil
	})
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
	if err := scheduler.Sleep(bg, 150*ms); err == nil {
		t.Println("main undisturbed")
	} else {
		t.Println("main got", errName(err))
	}
}

func joinallRaiseKilled(t *crosscheck.T) {
	g := scheduler.Spawn(func() (string, error) { _, err := sleepForever(); return "", err })
	ok := scheduler.Spawn(func() (string, error) { return "ok", nil })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.Kill(bg, nil))
	done, err := scheduler.JoinAll(bg, []*scheduler.Greenlet[string]{g, ok})
	if err == nil {
		t.Println("no error", len(done))
	} else {
		t.Println("joinall", errName(err))
	}
}

func killallCustomException(t *crosscheck.T) {
	f := func(n string) func() (none, error) {
		return func() (none, error) {
			_, err := sleepForever()
			if errors.Is(err, errStop) {
				t.Println("stop", n)
			}
			return none{}, err
		}
	}
	gs := []*scheduler.Greenlet[none]{scheduler.Spawn(f("a")), scheduler.Spawn(f("b"))}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killall", scheduler.KillAll(bg, gs, errStop))
	var failed []bool
	var names []string
	for _, g := range gs {
		failed = append(failed, !g.Successful())
		if errors.Is(g.Err(), errStop) {
			names = append(names, "Stop")
		} else {
			names = append(names, errName(g.Err()))
		}
	}
	t.Println("failed", pyBools(failed), pyStrs(names))
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
