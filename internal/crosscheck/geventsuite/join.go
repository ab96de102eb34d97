package geventsuite

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("joinall_all", joinallAll)
	register("joinall_timeout", joinallTimeout)
	register("joinall_raise_error", joinallRaiseError)
	register("joinall_error_noraise", joinallErrorNoraise)
	register("wait_count", waitCount)
	register("wait_timeout", waitTimeout)
	register("iwait_order", iwaitOrder)
	register("iwait_timeout", iwaitTimeout)
	register("iwait_count", iwaitCount)
	register("get_value", getValue)
	register("get_nonblocking", getNonblocking)
	register("get_timeout", getTimeout)
	register("join_timeout", joinTimeout)
}

// sleeper sleeps d and returns n, printing "finish n" first when loud.
func sleeper(t *crosscheck.T, n string, d time.Duration, loud bool) func() (string, error) {
	return func() (string, error) {
		if err := scheduler.Sleep(bg, d); err != nil {
			return "", err
		}
		if loud {
			t.Println("finish", n)
		}
		return n, nil
	}
}

func strValues(gs []*scheduler.Greenlet[string]) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Value()
	}
	return out
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

func waitCount(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", 150*ms, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
		scheduler.Spawn(sleeper(t, "c", 100*ms, false)),
	}
	ready, err := scheduler.Wait(bg, links(gs), 2)
	unexpected(t, "wait", err)
	t.Println("ready", pyStrs(values[string](ready)))
	t.Println("a ready", py(gs[0].Ready()))
	ready, err = scheduler.Wait(bg, links(gs), 0)
	unexpected(t, "wait", err)
	t.Println("all", len(ready), sortedStrs(values[string](ready)))
}

func waitTimeout(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", time.Second, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
	}
	// As with joinall, a Go ErrTimeout stands for gevent's silent return.
	ready, err := scheduler.Wait(within(250*ms), links(gs), 0)
	if !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "wait", err)
	}
	t.Println("ready", pyStrs(values[string](ready)))
	err = timeout0(func() (err error) { ready, err = scheduler.Wait(bg, links(gs), 0); return err })
	if !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "wait", err)
	}
	t.Println("ready0", pyStrs(values[string](ready)))
	unexpected(t, "killall", scheduler.KillAll(bg, gs, nil))
	t.Println("killed", pyBools([]bool{gs[0].Dead(), gs[1].Dead()}))
}

func iwaitOrder(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", 150*ms, true)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, true)),
		scheduler.Spawn(sleeper(t, "c", 100*ms, true)),
	}
	for l, err := range scheduler.IWait(bg, links(gs), 0) {
		if err != nil {
			unexpected(t, "iwait", err)
			break
		}
		t.Println("iwait", values[string]([]scheduler.Linkable{l})[0])
	}
	t.Println("done")
}

func iwaitTimeout(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", time.Second, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
		scheduler.Spawn(sleeper(t, "c", 0, false)),
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 25*ms))
	t.Println("c ready", py(gs[2].Ready()))
	// gevent's iwait just stops at its timeout; IWait yields the
	// deadline's error, then stops.
	for l, err := range scheduler.IWait(within(250*ms), links(gs), 0) {
		if err != nil {
			if !errors.Is(err, scheduler.ErrTimeout) {
				unexpected(t, "iwait", err)
			}
			break
		}
		t.Println("iwait", values[string]([]scheduler.Linkable{l})[0])
	}
	t.Println("after iwait")
	unexpected(t, "killall", scheduler.KillAll(bg, gs, nil))
}

func iwaitCount(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", 100*ms, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
		scheduler.Spawn(sleeper(t, "c", 150*ms, false)),
	}
	for l, err := range scheduler.IWait(bg, links(gs), 2) {
		if err != nil {
			unexpected(t, "iwait", err)
			break
		}
		t.Println("iwait", values[string]([]scheduler.Linkable{l})[0])
	}
	t.Println("c ready", py(gs[2].Ready()))
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}

func getValue(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) {
		if err := scheduler.Sleep(bg, 50*ms); err != nil {
			return 0, err
		}
		return 42, nil
	})
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
	// Python's value None after a failure is Go's zero value: a nil *int.
	b := scheduler.Spawn(func() (*int, error) { return nil, errKey })
	if _, err := b.Get(bg); errors.Is(err, errKey) {
		t.Println("KeyError", errKey)
	} else {
		t.Println("get error", errName(err))
	}
	if _, err := b.Get(bg); errors.Is(err, errKey) {
		t.Println("KeyError again")
	}
	if b.Value() == nil {
		t.Println("value None")
	} else {
		t.Println("value", *b.Value())
	}
}

func getNonblocking(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 5, nil })
	// gevent's get(block=False) raises Timeout; TryGet says ErrNotReady.
	if _, err := g.TryGet(); errors.Is(err, scheduler.ErrNotReady) {
		t.Println("Timeout")
	} else {
		t.Println("get", errName(err))
	}
	t.Println("started", py(g.Started()), "ready", py(g.Ready()))
	unexpected(t, "join", g.Join(bg))
	v, err := g.TryGet()
	unexpected(t, "get", err)
	t.Println("get", v)
}

func getTimeout(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) {
		if err := scheduler.Sleep(bg, 250*ms); err != nil {
			return 0, err
		}
		t.Println("slow done")
		return 1, nil
	})
	if _, err := g.Get(within(50 * ms)); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("Timeout")
	} else {
		t.Println("get", errName(err))
	}
	t.Println("dead", py(g.Dead()))
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
}

// joinTimeout: gevent's join(timeout) returns None when time is up; the Go
// Join reports the same event as an ErrTimeout-matching error, so both count
// as "returned" here and the greenlet must still be running.
func joinTimeout(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) {
		if err := scheduler.Sleep(bg, 250*ms); err != nil {
			return 0, err
		}
		return 1, nil
	})
	err := g.Join(within(50 * ms))
	t.Println("join returned", py(err == nil || errors.Is(err, scheduler.ErrTimeout)), "ready", py(g.Ready()))
	unexpected(t, "join", g.Join(bg))
	t.Println("ready", py(g.Ready()), g.Value())
}
