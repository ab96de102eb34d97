package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("get_value", getValue)
	register("get_nonblocking", getNonblocking)
	register("get_timeout", getTimeout)
	register("get_killed", getKilled)
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

// getKilled: gevent's get() returns the GreenletExit instance of a killed
// greenlet; Go's Get returns (zero, nil) and the GreenletExit is in ExitErr.
func getKilled(t *crosscheck.T) {
	g := scheduler.Spawn(sleepForever)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", g.Kill(bg, nil))
	if _, err := g.Get(bg); err == nil {
		t.Println("get returned", exitValue(g))
	} else {
		t.Println("get raised", errName(err))
	}
	h := scheduler.Spawn(sleepForever)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "kill", h.Kill(bg, errStop))
	if _, err := h.Get(bg); errors.Is(err, errStop) {
		t.Println("get raised Stop", errStop)
	} else {
		t.Println("get", errName(err))
	}
}
