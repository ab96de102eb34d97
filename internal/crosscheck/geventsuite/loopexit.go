package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("loopexit_hub_switch", loopexitHubSwitch)
	register("loopexit_join_blocked", loopexitJoinBlocked)
	register("loopexit_waiter_main", loopexitWaiterMain)
	register("loopexit_timer_keeps_alive", loopexitTimerKeepsAlive)
	register("loopexit_sleep_unref", loopexitSleepUnref)
}

func loopexitHubSwitch(t *crosscheck.T) {
	_, err := scheduler.CurrentHub().Switch()
	if errors.Is(err, scheduler.ErrLoopExit) {
		t.Println("LoopExit")
	} else {
		t.Println("not reached", errName(err))
	}
	t.Println("main continues")
	unexpected(t, "sleep", scheduler.Sleep(bg, 5*ms))
	t.Println("hub still usable")
}

func loopexitJoinBlocked(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		_, err := scheduler.NewWaiter("").Get(bg)
		if err == nil {
			t.Println("not reached")
		}
		if errors.Is(err, scheduler.ErrGreenletExit) {
			t.Println("stuck killed")
		}
		return none{}, err
	})
	if err := g.Join(bg); errors.Is(err, scheduler.ErrLoopExit) {
		t.Println("LoopExit")
	} else {
		t.Println("not reached", errName(err))
	}
	t.Println("dead", py(g.Dead()))
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("dead", py(g.Dead()))
}

func loopexitWaiterMain(t *crosscheck.T) {
	w := scheduler.NewWaiter("")
	if _, err := w.Get(bg); errors.Is(err, scheduler.ErrLoopExit) {
		t.Println("LoopExit")
	} else {
		t.Println("get", errName(err))
	}
	w2 := scheduler.NewWaiter("")
	hub := scheduler.CurrentHub()
	scheduler.Spawn(func() (none, error) {
		runCallback(t, hub, func() { w2.Switch("hello") })
		return none{}, nil
	})
	v, err := w2.Get(bg)
	unexpected(t, "get", err)
	t.Println("got", v)
}

func loopexitTimerKeepsAlive(t *crosscheck.T) {
	w := scheduler.NewWaiter("")
	hub := scheduler.CurrentHub()
	scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 100*ms); err != nil {
			return none{}, err
		}
		runCallback(t, hub, func() { w.Switch("woken") })
		return none{}, nil
	})
	v, err := w.Get(bg)
	unexpected(t, "get", err)
	t.Println("got", v)
}

func loopexitSleepUnref(t *crosscheck.T) {
	g := scheduler.Go(func() error {
		t.Println("sleeper sleeps")
		if err := scheduler.SleepUnref(bg, 50*ms); err != nil {
			return err
		}
		t.Println("sleeper woke")
		return nil
	})
	if _, err := scheduler.NewWaiter("").Get(bg); errors.Is(err, scheduler.ErrLoopExit) {
		t.Println("LoopExit")
	} else {
		t.Println("not reached", errName(err))
	}
	t.Println("sleeper dead", py(g.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 200*ms))
	t.Println("sleeper dead", py(g.Dead()))
}
