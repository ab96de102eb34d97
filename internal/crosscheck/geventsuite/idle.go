package geventsuite

import (
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("idle_order", idleOrder)
	register("idle_vs_timer", idleVsTimer)
}

func idleOrder(t *crosscheck.T) {
	idler := scheduler.Spawn(func() (none, error) {
		t.Println("idle start")
		if err := scheduler.Idle(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("idle woke")
		return none{}, nil
	})
	yielder := scheduler.Spawn(loop(t, "yield a", 3, 0))
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{idler, yielder}, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}

func idleVsTimer(t *crosscheck.T) {
	s := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 100*ms); err != nil {
			return none{}, err
		}
		t.Println("timer woke")
		return none{}, nil
	})
	i := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Idle(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("idle woke")
		return none{}, nil
	})
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{s, i}, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}
