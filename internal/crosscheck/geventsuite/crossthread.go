package geventsuite

import (
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("wait_count_over", waitCountOver)
	register("threadsafe_callback", threadsafeCallback)
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

// threadsafeCallback: Python's thread + loop.run_callback_threadsafe is a
// goroutine + Hub.Post; the sleeping greenlet keeps the loop alive in both.
func threadsafeCallback(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	w := scheduler.NewWaiter("")
	keep := scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(bg, 10*time.Second) })
	done := make(chan error, 1)
	go func() {
		time.Sleep(50 * ms)
		done <- hub.Post(func() { w.Switch("from thread") })
	}()
	v, err := w.Get(bg)
	unexpected(t, "get", err)
	t.Println("got", v)
	unexpected(t, "post", <-done)
	unexpected(t, "kill", keep.Kill(bg, nil))
	t.Println("done")
}
