package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("kill_spawn_later", killSpawnLater)
	register("kill_self", killSelf)
	register("raise_greenletexit", raiseGreenletExit)
	register("idle_vs_timer", idleVsTimer)
}

func killSpawnLater(t *crosscheck.T) {
	g := scheduler.SpawnLater(50*ms, func() (none, error) {
		t.Println("not reached")
		return none{}, nil
	})
	g.Link(func(scheduler.Linkable) { t.Println("link ran") })
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("dead", py(g.Dead()), "started", py(g.Started()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 150*ms))
	t.Println("done")
}

// killSelf: Python's kill() of the current greenlet raises GreenletExit at
// the call; in Go Kill returns it and the body hands it back.
func killSelf(t *crosscheck.T) {
	var g *scheduler.Greenlet[none]
	g = scheduler.Spawn(func() (none, error) {
		t.Println("before")
		err := g.Kill(bg, nil)
		if err == nil {
			t.Println("not reached")
			return none{}, nil
		}
		if errors.Is(err, scheduler.ErrGreenletExit) {
			t.Println("got GreenletExit")
		}
		return none{}, err
	})
	unexpected(t, "join", g.Join(bg))
	t.Println("dead", py(g.Dead()), "successful", py(g.Successful()), exitValue(g))
}

// raiseGreenletExit: a body returning ErrGreenletExit is gevent's body
// raising GreenletExit.
func raiseGreenletExit(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) { return none{}, scheduler.ErrGreenletExit })
	g.LinkValue(func(scheduler.Linkable) { t.Println("link_value") })
	g.LinkException(func(scheduler.Linkable) { t.Println("link_exception") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("successful", py(g.Successful()), "exception", pyNone(g.Err()), exitValue(g))
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
