package geventsuite

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("blocking_in_hub", blockingInHub)
	register("switch_interval", switchInterval)
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
	runCallback(t, hub, func() { report("callback", scheduler.Sleep(bg, 5*ms)) })
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	g.Rawlink(func(scheduler.Linkable) { report("rawlink", scheduler.Sleep(bg, 5*ms)) })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 25*ms))
	t.Println("done")
}

func switchInterval(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	slow := func(i int) func() {
		return func() {
			// A busy wait, like the reference: the drain must see time pass.
			end := time.Now().Add(300 * time.Microsecond)
			for time.Now().Before(end) {
			}
			switch i {
			case 0, 48, 49, 50, 59:
				t.Println("cb", i)
			}
		}
	}
	g := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, time.Microsecond); err != nil {
			return none{}, err
		}
		t.Println("timer woke")
		return none{}, nil
	})
	for i := range 60 {
		runCallback(t, hub, slow(i))
	}
	unexpected(t, "join", g.Join(bg))
	t.Println("joined")
	unexpected(t, "sleep", scheduler.Sleep(bg, 20*ms))
	t.Println("done")
}
