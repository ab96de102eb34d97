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
	register("timers_expired_together", timersExpiredTogether)
	register("timeout_equal_sleep", timeoutEqualSleep)
	register("get_killed", getKilled)
	register("joinall_raise_dead", joinallRaiseDead)
	register("callback_stop_during_drain", callbackStopDuringDrain)
	register("kill_io_wait", killIOWait)
	register("spawn_in_link", spawnInLink)
	register("kill_from_greenlet", killFromGreenlet)
}

// pipe makes a pipe for a twin, closed when the twin returns.
func pipe(t *crosscheck.T) (r, w int, closeBoth func()) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatalf("pipe: %v", err)
	}
	return p[0], p[1], func() {
		syscall.Close(p[0])
		syscall.Close(p[1])
	}
}

// waitReadable is Python's hub.wait(hub.loop.io(fd, 1)): a fresh io watcher
// whose callback fires a Waker, waited on once and closed.
func waitReadable(fd int) error {
	hub := scheduler.CurrentHub()
	k := scheduler.NewWaker()
	io, err := hub.Loop().NewIO(fd, cev.EV_READ, func(_ *cev.IO, revents int) { k.Fire(revents) })
	if err != nil {
		return err
	}
	defer io.Close()
	_, err = hub.Wait(bg, io, k, "read pipe")
	return err
}

func timersExpiredTogether(t *crosscheck.T) {
	r, w, closeBoth := pipe(t)
	defer closeBoth()
	sleeper := func(name string, d time.Duration) func() (none, error) {
		return func() (none, error) {
			if err := scheduler.Sleep(bg, d); err != nil {
				return none{}, err
			}
			t.Println("timer", name)
			return none{}, nil
		}
	}
	gs := []*scheduler.Greenlet[none]{
		scheduler.Spawn(sleeper("c", 3*ms)), scheduler.Spawn(sleeper("a", ms)),
		scheduler.Spawn(sleeper("b", 2*ms)),
		scheduler.Spawn(func() (none, error) {
			if err := waitReadable(r); err != nil {
				return none{}, err
			}
			t.Println("readable")
			return none{}, nil
		}),
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	if _, err := syscall.Write(w, []byte("x")); err != nil {
		t.Fatalf("write: %v", err)
	}
	// Python's time.sleep: block the whole hub so every timer expires at once.
	time.Sleep(20 * ms)
	t.Println("main blocks")
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	for _, g := range gs {
		unexpected(t, "greenlet", g.Err())
	}
	t.Println("done")
}

func timeoutEqualSleep(t *crosscheck.T) {
	f := func() (none, error) {
		to := startTimeout(t, 50*ms)
		defer to.Cancel()
		err := scheduler.Sleep(bg, 50*ms)
		switch {
		case err == nil:
			t.Println("sleep won")
		case errors.Is(err, to):
			t.Println("timeout won")
		default:
			return none{}, err
		}
		return none{}, nil
	}
	unexpected(t, "join", scheduler.Spawn(f).Join(bg))
	_, err := f()
	unexpected(t, "main", err)
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

func callbackStopDuringDrain(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var second scheduler.Callback
	hub.RunCallback(func() {
		t.Println("first")
		second.Stop()
	})
	second = hub.RunCallback(func() { t.Println("second") })
	hub.RunCallback(func() { t.Println("third") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
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

func spawnInLink(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	g.Link(func(scheduler.Linkable) {
		t.Println("link 1 spawns")
		scheduler.Spawn(func() (none, error) {
			t.Println("spawned from link")
			return none{}, nil
		})
	})
	g.Link(func(scheduler.Linkable) { t.Println("link 2") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 5*ms))
	t.Println("done")
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
