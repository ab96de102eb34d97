package geventsuite

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("waiter_switch_before_get", waiterSwitchBeforeGet)
	register("blocking_in_hub", blockingInHub)
	register("link_getcurrent", linkGetcurrent)
}

func waiterSwitchBeforeGet(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	w := scheduler.NewWaiter("")
	t.Println("ready", py(w.Ready()))
	hub.RunCallback(func() { w.Switch(7) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("ready", py(w.Ready()))
	v, err := w.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
	w2 := scheduler.NewWaiter("")
	hub.RunCallback(func() { w2.Throw(errKey) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	if _, err := w2.Get(bg); errors.Is(err, errKey) {
		t.Println("KeyError", errKey)
	} else {
		t.Println("get", errName(err))
	}
}

// blockingInHub: gevent's BlockingSwitchOutError is the ErrNotGreenlet that
// a blocking call made on the hub returns.
func blockingInHub(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	report := func(where string, err error) {
		switch {
		case err == nil:
			t.Println(where, "slept")
		case errors.Is(err, scheduler.ErrNotGreenlet):
			t.Println(where, "BlockingSwitchOutError")
		default:
			t.Println(where, errName(err))
		}
	}
	hub.RunCallback(func() { report("callback", scheduler.Sleep(bg, 5*ms)) })
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	g.Rawlink(func(scheduler.Linkable) { report("rawlink", scheduler.Sleep(bg, 5*ms)) })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 25*ms))
	t.Println("done")
}

// linkGetcurrent: "is the hub" is checked against the raw greenlet that a
// RunCallback callback runs in, since the Hub does not expose its greenlet.
func linkGetcurrent(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var hubRaw *greenlet.Greenlet
	hub.RunCallback(func() { hubRaw = greenlet.Current() })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	where := func() string {
		return py(scheduler.GetCurrent() != nil) + " in hub " + py(hubRaw != nil && greenlet.Current() == hubRaw)
	}
	g.Link(func(scheduler.Linkable) { t.Println("link in Greenlet", where()) })
	g.Rawlink(func(scheduler.Linkable) { t.Println("rawlink in Greenlet", where()) })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}

func init() { register("stale_loop_time", staleLoopTime) }

func staleLoopTime(t *crosscheck.T) {
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	// Python's time.sleep: block the hub's thread so the loop's cached time goes stale.
	time.Sleep(300 * ms)
	later := scheduler.SpawnLater(200*ms, func() (none, error) {
		t.Println("spawn_later ran")
		return none{}, nil
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 100*ms))
	t.Println("main woke")
	unexpected(t, "join", later.Join(bg))
	t.Println("done")
}
