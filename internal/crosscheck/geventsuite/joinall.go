package geventsuite

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("joinall_all", joinallAll)
	register("joinall_empty", joinallEmpty)
	register("joinall_timeout", joinallTimeout)
	register("joinall_raise_error", joinallRaiseError)
	register("joinall_error_noraise", joinallErrorNoraise)
	register("joinall_raise_dead", joinallRaiseDead)
	register("joinall_raise_killed", joinallRaiseKilled)
}

func joinallAll(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", 100*ms, true)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, true)),
		scheduler.Spawn(sleeper(t, "c", 0, true)),
	}
	done, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("done", pyStrs(strValues(done)))
	var ready []bool
	for _, g := range gs {
		ready = append(ready, g.Ready())
	}
	t.Println("ready", pyBools(ready))
}

func joinallEmpty(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		t.Println("spawned runs")
		return none{}, nil
	})
	done, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{}, 0)
	unexpected(t, "joinall", err)
	t.Println("joinall", pyStrs(make([]string, 0, len(done))))
	ready, err := scheduler.Wait(bg, []scheduler.Linkable(nil), 0)
	unexpected(t, "wait", err)
	t.Println("wait", pyStrs(make([]string, 0, len(ready))))
	if len(done)+len(ready) != 0 {
		t.Println("UNEXPECTED objects returned", len(done)+len(ready))
	}
	t.Println("ready", py(g.Ready()))
	unexpected(t, "join", g.Join(bg))
}

func joinallTimeout(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "fast", 50*ms, false)),
		scheduler.Spawn(sleeper(t, "slow", time.Second, false)),
		scheduler.Spawn(sleeper(t, "mid", 100*ms, false)),
	}
	// gevent's joinall returns silently at the timeout; a Go error that
	// matches ErrTimeout is the same outcome said the Go way.
	done, err := scheduler.Wait(within(500*ms), gs, 0)
	if !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "joinall", err)
	}
	t.Println("done", sortedStrs(strValues(done)))
	t.Println("slow ready", py(gs[1].Ready()))
	unexpected(t, "killall", scheduler.KillAll(bg, gs, nil))
	t.Println("slow dead", py(gs[1].Dead()))
}

func joinallRaiseError(t *crosscheck.T) {
	ok := func(n string, d time.Duration) func() (string, error) {
		return func() (string, error) {
			if err := scheduler.Sleep(bg, d); err != nil {
				return "", err
			}
			t.Println("ok", n)
			return n, nil
		}
	}
	bad := func() (string, error) {
		if err := scheduler.Sleep(bg, 50*ms); err != nil {
			return "", err
		}
		return "", errBoom
	}
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(ok("a", 100*ms)), scheduler.Spawn(bad), scheduler.Spawn(ok("b", 25*ms)),
	}
	_, err := scheduler.JoinAll(bg, gs)
	switch {
	case err == nil:
		t.Println("no error")
	case errors.Is(err, errBoom):
		t.Println("caught ValueError", errBoom)
	default:
		unexpected(t, "joinall", err)
	}
	t.Println("a ready", py(gs[0].Ready()))
	_, err = scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("a value", gs[0].Value())
}

func joinallErrorNoraise(t *crosscheck.T) {
	bad := scheduler.Spawn(func() (int, error) { return 0, errBoom })
	ok := scheduler.Spawn(func() (int, error) { return 7, nil })
	done, err := scheduler.Wait(bg, []*scheduler.Greenlet[int]{bad, ok}, 0)
	unexpected(t, "joinall", err)
	t.Println("done", len(done))
	if errors.Is(bad.Err(), errBoom) {
		t.Println("bad", py(bad.Successful()), "ValueError", errBoom)
	} else {
		t.Println("bad", py(bad.Successful()), errName(bad.Err()))
	}
	t.Println("ok", py(ok.Successful()), pyNone(ok.Err()), ok.Value())
}

func joinallRaiseDead(t *crosscheck.T) {
	b := scheduler.Spawn(func() (none, error) { return none{}, errBoom })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	slow := scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(bg, 250*ms) })
	if _, err := scheduler.JoinAll(bg, []*scheduler.Greenlet[none]{slow, b}); errors.Is(err, errBoom) {
		t.Println("ValueError", errBoom, "slow ready", py(slow.Ready()))
	} else {
		t.Println("joinall", errName(err))
	}
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{slow}, 0)
	unexpected(t, "joinall", err)
	t.Println("slow ready", py(slow.Ready()))
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

func strValues(gs []*scheduler.Greenlet[string]) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Value()
	}
	return out
}
