package geventsuite

import (
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("sleep0_roundrobin", sleep0RoundRobin)
	register("sleep0_vs_tiny", sleep0VsTiny)
	register("sleep_negative", sleepNegative)
}

func sleep0RoundRobin(t *crosscheck.T) {
	var gs []*scheduler.Greenlet[none]
	for _, name := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			for i := range 3 {
				t.Println(name, i)
				if err := scheduler.Sleep(bg, 0); err != nil {
					return none{}, err
				}
			}
			return none{}, nil
		}))
	}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}

func sleep0VsTiny(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[none]{
		scheduler.Spawn(loop(t, "tiny", 2, time.Microsecond)),
		scheduler.Spawn(loop(t, "zero", 4, 0)),
	}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}

func sleepNegative(t *crosscheck.T) {
	g := scheduler.Spawn(loop(t, "f", 2, -time.Second))
	unexpected(t, "sleep", scheduler.Sleep(bg, -2500*ms))
	t.Println("main")
	unexpected(t, "join", g.Join(bg))
	t.Println("done")
}
