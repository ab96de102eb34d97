package libevsuite

import (
	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	crosscheck.Register("libev", "break_one", breakOne)
	crosscheck.Register("libev", "break_nested", breakNested)
	crosscheck.Register("libev", "ref_unref", refUnref)
	crosscheck.Register("libev", "run_nowait", runNowait)
	crosscheck.Register("libev", "counters", counters)
}

func breakOne(t *crosscheck.T) {
	l := newLoop(t)
	count := 0
	rep, err := l.NewTimer(0, 0.001, func(w *cev.Timer, revents int) {
		count++
		t.Printf("rep count=%d depth=%d", count, l.Depth())
		if count == 2 || count == 4 {
			must(t, l.Break(cev.EVBREAK_ONE))
			t.Printf("rep broke")
		}
		if count == 5 {
			must(t, w.Stop())
		}
	})
	must(t, err)
	must(t, rep.SetPriority(1))
	must(t, rep.Start())
	other, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("other (same pass as the break)")
	})
	must(t, err)
	must(t, other.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d count=%d depth=%d", r, count, l.Depth())
	r = run(t, l, 0)
	t.Printf("run returned %d count=%d", r, count)
	r = run(t, l, 0)
	t.Printf("run returned %d count=%d", r, count)
	must(t, other.Set(0, 0))
	must(t, other.Start())
	must(t, rep.Set(0.002, 0))
	must(t, rep.Start())
	must(t, l.Break(cev.EVBREAK_ONE))
	r = run(t, l, 0)
	t.Printf("run after an outside break returned %d count=%d", r, count)
	destroy(t, l)
}

func breakNested(t *crosscheck.T) {
	l := newLoop(t)
	mode := cev.EVBREAK_ONE
	var innercount, outercount, tickcount int
	inner, err := l.NewTimer(0.001, 0.001, func(w *cev.Timer, revents int) {
		innercount++
		t.Printf("inner count=%d depth=%d", innercount, l.Depth())
		if innercount%2 == 0 {
			must(t, l.Break(mode))
			if mode == cev.EVBREAK_ALL {
				t.Printf("inner break ALL")
			} else {
				t.Printf("inner break ONE")
			}
		}
	})
	must(t, err)
	tick, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		tickcount++
		t.Printf("tick count=%d depth=%d", tickcount, l.Depth())
	})
	must(t, err)
	outer, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		outercount++
		t.Printf("outer count=%d depth=%d", outercount, l.Depth())
		must(t, inner.Start())
		r := run(t, l, 0)
		t.Printf("nested run returned %d depth=%d", r, l.Depth())
		must(t, inner.Stop())
		if outercount < 2 {
			must(t, w.Start())
			must(t, tick.Start())
		}
	})
	must(t, err)
	must(t, outer.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d outer=%d inner=%d tick=%d depth=%d", r, outercount, innercount, tickcount, l.Depth())

	outercount = 0
	mode = cev.EVBREAK_ALL
	must(t, outer.Start())
	r = run(t, l, 0)
	t.Printf("run returned %d outer=%d inner=%d tick=%d depth=%d", r, outercount, innercount, tickcount, l.Depth())
	r = run(t, l, 0)
	t.Printf("run returned %d outer=%d inner=%d tick=%d", r, outercount, innercount, tickcount)
	destroy(t, l)
}

func refUnref(t *crosscheck.T) {
	l := newLoop(t)
	bgcount := 0
	bg, err := l.NewTimer(0.02, 0.005, func(w *cev.Timer, revents int) {
		bgcount++
		if bgcount == 1 {
			t.Printf("unref'd timer fired while the loop ran")
		}
	})
	must(t, err)
	must(t, bg.Start())
	must(t, l.Unref())
	r := run(t, l, 0)
	t.Printf("only unref'd: run returned %d bgcount=%d active=%d iterations=%d", r, bgcount, b2i(bg.IsActive()), l.Iteration())

	keeper, err := l.NewTimer(0.05, 0, func(w *cev.Timer, revents int) {
		t.Printf("keeper fired; unref'd timer fired at least once=%d", b2i(bgcount >= 1))
	})
	must(t, err)
	must(t, keeper.Start())
	r = run(t, l, 0)
	t.Printf("run returned %d keeper_active=%d bg_active=%d", r, b2i(keeper.IsActive()), b2i(bg.IsActive()))

	must(t, l.Ref())
	must(t, bg.Stop())
	t.Printf("after ref+stop: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))

	must(t, keeper.Set(0.01, 0))
	must(t, keeper.Start())
	must(t, l.Ref())
	t.Printf("extra ref: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))
	must(t, l.Unref())
	t.Printf("run returned %d", run(t, l, 0))
	destroy(t, l)
}

func runNowait(t *crosscheck.T) {
	l := newLoop(t)
	fired := 0
	cb := func(name string) func(*cev.Timer, int) {
		return func(w *cev.Timer, revents int) {
			fired++
			t.Printf("fire %s", name)
		}
	}
	it := l.Iteration()
	r := run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("empty loop: nowait returned %d iterations=%d", r, l.Iteration()-it)
	r = run(t, l, cev.EVRUN_ONCE)
	t.Printf("empty loop: once returned %d iterations=%d", r, l.Iteration()-it)
	r = run(t, l, 0)
	t.Printf("empty loop: run returned %d iterations=%d", r, l.Iteration()-it)

	far, err := l.NewTimer(100, 0, cb("far"))
	must(t, err)
	far2, err := l.NewTimer(200, 0, cb("far2"))
	must(t, err)
	must(t, far.Start())
	must(t, far2.Start())
	it = l.Iteration()
	for range 3 {
		r = run(t, l, cev.EVRUN_NOWAIT)
		t.Printf("two far timers: nowait returned %d fired=%d iterations=%d", r, fired, l.Iteration()-it)
	}

	zero, err := l.NewTimer(0, 0, cb("zero"))
	must(t, err)
	must(t, zero.Start())
	r = run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("zero timer: nowait returned %d fired=%d", r, fired)

	must(t, zero.Start())
	r = run(t, l, cev.EVRUN_ONCE)
	t.Printf("zero timer: once returned %d fired=%d", r, fired)

	must(t, far.Stop())
	must(t, far2.Stop())
	r = run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("all stopped: nowait returned %d fired=%d iterations=%d", r, fired, l.Iteration()-it)
	destroy(t, l)
}

func counters(t *crosscheck.T) {
	l := newLoop(t)
	base := l.Iteration()
	t.Printf("start iteration=%d depth=%d pending_count=%d", l.Iteration()-base, l.Depth(), l.PendingCount())
	for i, name := range []string{"t0", "t1", "t2", "t3"} {
		w, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
			t.Printf("%s iteration=%d depth=%d pending_count=%d", name, l.Iteration()-base, l.Depth(), l.PendingCount())
		})
		must(t, err)
		must(t, w.SetPriority(i%2))
		must(t, w.Start())
	}
	r := run(t, l, 0)
	t.Printf("run returned %d iteration=%d depth=%d", r, l.Iteration()-base, l.Depth())

	inner, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("inner iteration=%d depth=%d pending_count=%d", l.Iteration()-base, l.Depth(), l.PendingCount())
	})
	must(t, err)
	nest, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("nest iteration=%d depth=%d", l.Iteration()-base, l.Depth())
		must(t, inner.Start())
		r := run(t, l, cev.EVRUN_ONCE)
		t.Printf("nest: inner once returned %d iteration=%d depth=%d", r, l.Iteration()-base, l.Depth())
	})
	must(t, err)
	must(t, nest.Start())
	r = run(t, l, 0)
	t.Printf("run returned %d iteration=%d depth=%d", r, l.Iteration()-base, l.Depth())
	destroy(t, l)
}
