package geventsuite

import (
	"time"

	"github.com/geventgo/geventgo/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("wait_count_over", waitCountOver)
	register("threadsafe_callback", threadsafeCallback)
}

func waitCountOver(t *crosscheck.T) {
	gs := []*scheduler.Greenlet[none]{
		scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(50 * ms) }),
		scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(100 * ms) }),
	}
	ready, err := scheduler.Wait(links(gs), 5, scheduler.Forever)
	unexpected(t, "wait", err)
	t.Println("ready", len(ready), pyBools([]bool{gs[0].Ready(), gs[1].Ready()}))
}

// threadsafeCallback: Python's thread + loop.run_callback_threadsafe is a
// goroutine + Hub.Post; the sleeping greenlet keeps the loop alive in both.
func threadsafeCallback(t *crosscheck.T) {
	hub := scheduler.GetHub()
	w := scheduler.NewWaiter()
	keep := scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(10 * time.Second) })
	done := make(chan error, 1)
	go func() {
		time.Sleep(50 * ms)
		done <- hub.Post(func() { w.Switch("from thread") })
	}()
	v, err := w.Get()
	unexpected(t, "get", err)
	t.Println("got", v)
	unexpected(t, "post", <-done)
	unexpected(t, "kill", keep.Kill(nil, true, scheduler.Forever))
	t.Println("done")
}
