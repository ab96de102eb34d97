package geventsuite

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("switch_interval", switchInterval)
	register("joinall_empty", joinallEmpty)
	register("sleep_negative", sleepNegative)
	register("kill_unstarted_nonblocking", killUnstartedNonblocking)
	register("unlink_during_notify", unlinkDuringNotify)
	register("join_timeout_zero", joinTimeoutZero)
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
		hub.RunCallback(slow(i))
	}
	unexpected(t, "join", g.Join(bg))
	t.Println("joined")
	unexpected(t, "sleep", scheduler.Sleep(bg, 20*ms))
	t.Println("done")
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

func sleepNegative(t *crosscheck.T) {
	g := scheduler.Spawn(loop(t, "f", 2, -time.Second))
	unexpected(t, "sleep", scheduler.Sleep(bg, -2500*ms))
	t.Println("main")
	unexpected(t, "join", g.Join(bg))
	t.Println("done")
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

// unlinkDuringNotify: Python unlinks by callback; Go by the LinkID that
// Rawlink returned.
func unlinkDuringNotify(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	var second scheduler.LinkID
	g.Rawlink(func(scheduler.Linkable) {
		t.Println("first")
		g.Unlink(second)
		g.Rawlink(func(scheduler.Linkable) { t.Println("added during notify") })
	})
	second = g.Rawlink(func(scheduler.Linkable) { t.Println("second") })
	g.Rawlink(func(scheduler.Linkable) { t.Println("third") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}

// joinTimeoutZero: the Go Join reports the timeout as an error; gevent's
// returns None. Either way what is compared is whether g got a turn.
func joinTimeoutZero(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		t.Println("g runs")
		return none{}, nil
	})
	if err := timeout0(func() error { return g.Join(bg) }); err != nil && !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "join", err)
	}
	t.Println("after join0 ready", py(g.Ready()))
	unexpected(t, "join", g.Join(bg))
	t.Println("done")
}
