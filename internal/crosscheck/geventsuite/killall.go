package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("killall_order", killallOrder)
	register("killall_custom_exception", killallCustomException)
}

func killallOrder(t *crosscheck.T) {
	f := func(n string) func() (none, error) {
		return func() (none, error) {
			_, err := sleepForever()
			if errors.Is(err, scheduler.ErrGreenletExit) {
				t.Println("exit", n)
			}
			return none{}, err
		}
	}
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(f(n)))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killall", scheduler.KillAll(bg, gs, nil))
	t.Println("dead", pyBools([]bool{gs[0].Dead(), gs[1].Dead(), gs[2].Dead()}))
	gs2 := []*scheduler.Greenlet[none]{scheduler.Spawn(f("x")), scheduler.Spawn(f("y"))}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killall", scheduler.KillAllAsync(gs2, nil))
	t.Println("nonblocking dead", pyBools([]bool{gs2[0].Dead(), gs2[1].Dead()}))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("later dead", pyBools([]bool{gs2[0].Dead(), gs2[1].Dead()}))
}

func killallCustomException(t *crosscheck.T) {
	f := func(n string) func() (none, error) {
		return func() (none, error) {
			_, err := sleepForever()
			if errors.Is(err, errStop) {
				t.Println("stop", n)
			}
			return none{}, err
		}
	}
	gs := []*scheduler.Greenlet[none]{scheduler.Spawn(f("a")), scheduler.Spawn(f("b"))}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killall", scheduler.KillAll(bg, gs, errStop))
	var failed []bool
	var names []string
	for _, g := range gs {
		failed = append(failed, !g.Successful())
		if errors.Is(g.Err(), errStop) {
			names = append(names, "Stop")
		} else {
			names = append(names, errName(g.Err()))
		}
	}
	t.Println("failed", pyBools(failed), pyStrs(names))
}
