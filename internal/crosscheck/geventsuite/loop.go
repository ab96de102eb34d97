package geventsuite

import (
	"errors"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("loopexit_hub_switch", loopexitHubSwitch)
	register("loopexit_join_blocked", loopexitJoinBlocked)
	register("loopexit_waiter_main", loopexitWaiterMain)
	register("loopexit_timer_keeps_alive", loopexitTimerKeepsAlive)
	register("callback_order", callbackOrder)
	register("callback_drain_same_iteration", callbackDrainSameIteration)
	register("callback_vs_timer", callbackVsTimer)
	register("callback_vs_io", callbackVsIO)
	register("callback_error", callbackError)
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
		hub.RunCallback(func() { w2.Switch("hello") })
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
		hub.RunCallback(func() { w.Switch("woken") })
		return none{}, nil
	})
	v, err := w.Get(bg)
	unexpected(t, "get", err)
	t.Println("got", v)
}

func callbackOrder(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var cb func(name string)
	cb = func(name string) {
		t.Println("cb", name)
		if name == "a" {
			hub.RunCallback(func() { cb("a-child") })
		}
	}
	hub.RunCallback(func() { cb("a") })
	x := hub.RunCallback(func() { cb("stopped") })
	hub.RunCallback(func() { cb("b") })
	x.Stop()
	t.Println("queued")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after second sleep0")
}

func callbackDrainSameIteration(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	count := 0
	var chain func()
	chain = func() {
		count++
		if count < 20 {
			hub.RunCallback(chain)
		} else {
			t.Println("chain done")
		}
	}
	timer := func() (none, error) {
		if err := scheduler.Sleep(bg, time.Microsecond); err != nil {
			return none{}, err
		}
		t.Println("timer woke, chain count", count)
		return none{}, nil
	}
	scheduler.Spawn(timer)
	unexpected(t, "sleep", scheduler.Sleep(bg, 5*ms))
	hub.RunCallback(chain)
	g2 := scheduler.Spawn(timer)
	unexpected(t, "join", g2.Join(bg))
	t.Println("done")
}

func callbackVsTimer(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	a := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, time.Microsecond); err != nil {
			return none{}, err
		}
		t.Println("timer woke t1")
		return none{}, nil
	})
	b := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("sleep0 woke y1")
		if err := scheduler.Sleep(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("sleep0 woke again y1")
		return none{}, nil
	})
	hub.RunCallback(func() { t.Println("callback") })
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{a, b}, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}

// callbackVsIO: Python's loop.io(fd, 1) + hub.wait(io) is a cev IO watcher
// whose callback fires a Waker, passed to Hub.Wait.
func callbackVsIO(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatalf("pipe: %v", err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	if _, err := syscall.Write(p[1], []byte("x")); err != nil {
		t.Fatalf("write: %v", err)
	}
	reader := scheduler.Spawn(func() (none, error) {
		k := scheduler.NewWaker()
		io, err := hub.Loop().NewIO(p[0], cev.EV_READ, func(_ *cev.IO, revents int) { k.Fire(revents) })
		if err != nil {
			return none{}, err
		}
		defer io.Close()
		if _, err := hub.Wait(bg, io, k, "pipe"); err != nil {
			return none{}, err
		}
		t.Println("readable")
		return none{}, nil
	})
	sleeper := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, time.Microsecond); err != nil {
			return none{}, err
		}
		t.Println("timer")
		return none{}, nil
	})
	hub.RunCallback(func() { t.Println("callback") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 25*ms))
	t.Println("main woke")
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{reader, sleeper}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "reader", reader.Err())
}

// callbackError: a Python callback that raises is a Go callback that
// panics; the hub reports it (stderr) and runs the next callbacks.
func callbackError(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	hub.RunCallback(func() {
		t.Println("bad")
		panic(errBoom)
	})
	hub.RunCallback(func() { t.Println("next") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}
