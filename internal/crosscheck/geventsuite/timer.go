package geventsuite

import (
	"syscall"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("timer_order", timerOrder)
	register("timers_expired_together", timersExpiredTogether)
	register("stale_loop_time", staleLoopTime)
}

func timerOrder(t *crosscheck.T) {
	f := func(name string, d time.Duration) func() (none, error) {
		return func() (none, error) {
			if err := scheduler.Sleep(bg, d); err != nil {
				return none{}, err
			}
			t.Println("woke", name)
			return none{}, nil
		}
	}
	gs := []*scheduler.Greenlet[none]{
		scheduler.Spawn(f("c", 150*ms)), scheduler.Spawn(f("a", 50*ms)), scheduler.Spawn(f("b1", 100*ms)),
		scheduler.Spawn(f("b2", 100*ms)), scheduler.Spawn(f("z", 0)),
	}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
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
