package geventsuite

import (
	"errors"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("wait_count", waitCount)
	register("wait_count_over", waitCountOver)
	register("wait_timeout", waitTimeout)
	register("iwait_order", iwaitOrder)
	register("iwait_timeout", iwaitTimeout)
	register("iwait_count", iwaitCount)
}

func waitCount(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", 150*ms, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
		scheduler.Spawn(sleeper(t, "c", 100*ms, false)),
	}
	ready, err := scheduler.Wait(bg, links(gs), 2)
	unexpected(t, "wait", err)
	t.Println("ready", pyStrs(values[string](ready)))
	t.Println("a ready", py(gs[0].Ready()))
	ready, err = scheduler.Wait(bg, links(gs), 0)
	unexpected(t, "wait", err)
	t.Println("all", len(ready), sortedStrs(values[string](ready)))
}

func waitCountOver(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[none]{
		scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(bg, 50*ms) }),
		scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(bg, 100*ms) }),
	}
	ready, err := scheduler.Wait(bg, links(gs), 5)
	unexpected(t, "wait", err)
	t.Println("ready", len(ready), pyBools([]bool{gs[0].Ready(), gs[1].Ready()}))
}

func waitTimeout(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", time.Second, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
	}
	// As with joinall, a Go ErrTimeout stands for gevent's silent return.
	ready, err := scheduler.Wait(within(250*ms), links(gs), 0)
	if !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "wait", err)
	}
	t.Println("ready", pyStrs(values[string](ready)))
	err = timeout0(func() (err error) { ready, err = scheduler.Wait(bg, links(gs), 0); return err })
	if !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "wait", err)
	}
	t.Println("ready0", pyStrs(values[string](ready)))
	unexpected(t, "killall", scheduler.KillAll(bg, gs, nil))
	t.Println("killed", pyBools([]bool{gs[0].Dead(), gs[1].Dead()}))
}

func iwaitOrder(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", 150*ms, true)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, true)),
		scheduler.Spawn(sleeper(t, "c", 100*ms, true)),
	}
	for l, err := range scheduler.IWait(bg, links(gs), 0) {
		if err != nil {
			unexpected(t, "iwait", err)
			break
		}
		t.Println("iwait", values[string]([]scheduler.Linkable{l})[0])
	}
	t.Println("done")
}

func iwaitTimeout(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", time.Second, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
		scheduler.Spawn(sleeper(t, "c", 0, false)),
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 25*ms))
	t.Println("c ready", py(gs[2].Ready()))
	// gevent's iwait just stops at its timeout; IWait yields the
	// deadline's error, then stops.
	for l, err := range scheduler.IWait(within(250*ms), links(gs), 0) {
		if err != nil {
			if !errors.Is(err, scheduler.ErrTimeout) {
				unexpected(t, "iwait", err)
			}
			break
		}
		t.Println("iwait", values[string]([]scheduler.Linkable{l})[0])
	}
	t.Println("after iwait")
	unexpected(t, "killall", scheduler.KillAll(bg, gs, nil))
}

func iwaitCount(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[string]{
		scheduler.Spawn(sleeper(t, "a", 100*ms, false)),
		scheduler.Spawn(sleeper(t, "b", 50*ms, false)),
		scheduler.Spawn(sleeper(t, "c", 150*ms, false)),
	}
	for l, err := range scheduler.IWait(bg, links(gs), 2) {
		if err != nil {
			unexpected(t, "iwait", err)
			break
		}
		t.Println("iwait", values[string]([]scheduler.Linkable{l})[0])
	}
	t.Println("c ready", py(gs[2].Ready()))
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}
