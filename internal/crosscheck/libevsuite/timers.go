package libevsuite

import (
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	crosscheck.Register("libev", "timer_order", timerOrder)
	crosscheck.Register("libev", "timer_equal", timerEqual)
	crosscheck.Register("libev", "timer_repeat", timerRepeat)
	crosscheck.Register("libev", "timer_again", timerAgain)
	crosscheck.Register("libev", "timer_remaining", timerRemaining)
}

func timerOrder(t *crosscheck.T) {
	l := newLoop(t)
	mk := func(name string, after float64) *cev.Timer {
		w, err := l.NewTimer(after, 0, func(w *cev.Timer, revents int) {
			t.Printf("fire %s revents=0x%x active=%d", name, revents, b2i(w.IsActive()))
		})
		must(t, err)
		return w
	}
	a, b, c := mk("a30ms", 0.03), mk("b10ms", 0.01), mk("c20ms", 0.02)
	must(t, a.Start())
	must(t, b.Start())
	must(t, c.Start())
	t.Printf("started active=%d%d%d", b2i(a.IsActive()), b2i(b.IsActive()), b2i(c.IsActive()))
	t.Printf("run returned %d", run(t, l, 0))
	destroy(t, l)
}

func timerEqual(t *crosscheck.T) {
	const n = 6
	l := newLoop(t)
	fired := 0
	cb := func(name string) func(*cev.Timer, int) {
		return func(w *cev.Timer, revents int) {
			t.Printf("fire %s revents=0x%x", name, revents)
			fired++
		}
	}
	var z, lt [n]*cev.Timer
	for i := range n {
		var err error
		lt[i], err = l.NewTimer(0.01, 0, cb("l"+string(rune('0'+i))))
		must(t, err)
		z[i], err = l.NewTimer(0, 0, cb("z"+string(rune('0'+i))))
		must(t, err)
	}
	for _, i := range []int{3, 0, 5, 1, 4, 2} {
		must(t, z[i].Start())
		must(t, lt[i].Start())
	}
	it0 := l.Iteration()
	run(t, l, cev.EVRUN_ONCE)
	t.Printf("after first run: iterations=%d fired=%d", l.Iteration()-it0, fired)
	r := run(t, l, 0)
	t.Printf("run returned %d fired=%d", r, fired)
	destroy(t, l)
}

func timerRepeat(t *crosscheck.T) {
	l := newLoop(t)
	count := 0
	tm, err := l.NewTimer(0.005, 0.01, func(w *cev.Timer, revents int) {
		count++
		t.Printf("fire count=%d revents=0x%x active=%d pending=%d", count, revents, b2i(w.IsActive()), b2i(w.IsPending()))
		if count == 3 {
			must(t, w.SetRepeat(0))
			t.Printf("set repeat=0 active=%d", b2i(w.IsActive()))
		}
	})
	must(t, err)
	must(t, tm.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d count=%d active=%d", r, count, b2i(tm.IsActive()))

	count2 := 0
	t2, err := l.NewTimer(0, 0.005, func(w *cev.Timer, revents int) {
		count2++
		t.Printf("fire2 count=%d active=%d", count2, b2i(w.IsActive()))
		if count2 == 2 {
			must(t, w.Stop())
			t.Printf("stopped active=%d", b2i(w.IsActive()))
		}
	})
	must(t, err)
	must(t, t2.Start())
	r = run(t, l, 0)
	t.Printf("run returned %d count2=%d active=%d", r, count2, b2i(t2.IsActive()))
	destroy(t, l)
}

func timerAgain(t *crosscheck.T) {
	l := newLoop(t)
	count := 0
	tm, err := l.NewTimer(100, 0, func(w *cev.Timer, revents int) {
		count++
		t.Printf("fire t count=%d revents=0x%x active=%d", count, revents, b2i(w.IsActive()))
		if count == 3 {
			must(t, w.SetRepeat(0))
			must(t, w.Again())
			t.Printf("again with repeat=0 in callback: active=%d", b2i(w.IsActive()))
		}
	})
	must(t, err)
	must(t, tm.Again())
	t.Printf("inactive repeat=0 again: active=%d", b2i(tm.IsActive()))

	must(t, tm.SetRepeat(5))
	must(t, tm.Again())
	rem := tm.Remaining()
	t.Printf("inactive repeat=5 again: active=%d remaining_in_(4.5,5]=%d", b2i(tm.IsActive()), b2i(inRange(rem, 4.5, 5)))

	must(t, tm.SetRepeat(50))
	must(t, tm.Again())
	rem = tm.Remaining()
	t.Printf("active repeat=50 again: active=%d remaining_in_(49.5,50]=%d", b2i(tm.IsActive()), b2i(inRange(rem, 49.5, 50)))

	must(t, l.FeedEvent(tm, cev.EV_TIMER))
	t.Printf("fed: pending=%d pending_count=%d", b2i(tm.IsPending()), l.PendingCount())
	must(t, tm.Again())
	t.Printf("again on pending: pending=%d active=%d pending_count=%d", b2i(tm.IsPending()), b2i(tm.IsActive()), l.PendingCount())

	must(t, tm.SetRepeat(0))
	must(t, tm.Again())
	t.Printf("active repeat=0 again: active=%d", b2i(tm.IsActive()))

	r := run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("nowait run returned %d count=%d", r, count)

	must(t, tm.SetRepeat(0.005))
	must(t, tm.Again())
	r = run(t, l, 0)
	t.Printf("run returned %d count=%d active=%d", r, count, b2i(tm.IsActive()))
	destroy(t, l)
}

func timerRemaining(t *crosscheck.T) {
	l := newLoop(t)
	cb := func(w *cev.Timer, revents int) {
		rem := w.Remaining()
		t.Printf("in callback: active=%d remaining_in_(1.5,2]=%d", b2i(w.IsActive()), b2i(inRange(rem, 1.5, 2)))
		must(t, w.Stop())
	}
	tm, err := l.NewTimer(3.25, 0, cb)
	must(t, err)
	t.Printf("never started: remaining=%.3f", tm.Remaining())

	must(t, tm.Start())
	rem := tm.Remaining()
	t.Printf("started: remaining_in_(3,3.25]=%d", b2i(inRange(rem, 3, 3.25)))

	time.Sleep(200 * time.Millisecond)
	must(t, l.UpdateNow())
	rem = tm.Remaining()
	t.Printf("after 0.2s: remaining_in_(2.5,3.05]=%d", b2i(inRange(rem, 2.5, 3.05)))

	must(t, tm.Stop())
	stopped := tm.Remaining()
	t.Printf("stopped: remaining_in_(2.5,3.05]=%d", b2i(inRange(stopped, 2.5, 3.05)))
	time.Sleep(100 * time.Millisecond)
	must(t, l.UpdateNow())
	t.Printf("stopped, 0.1s later: unchanged=%d", b2i(tm.Remaining() == stopped))

	r, err := l.NewTimer(0.01, 2, cb)
	must(t, err)
	must(t, r.Start())
	t.Printf("run returned %d", run(t, l, 0))
	destroy(t, l)
}
