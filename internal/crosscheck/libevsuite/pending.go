package libevsuite

import (
	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	crosscheck.Register("libev", "feed_event", feedEvent)
	crosscheck.Register("libev", "clear_pending", clearPending)
	crosscheck.Register("libev", "stop_pending", stopPending)
	crosscheck.Register("libev", "restart_queued", restartQueued)
}

func feedEvent(t *crosscheck.T) {
	l := newLoop(t)
	var stopped, hi, a, b *cev.Timer
	names := map[*cev.Timer]string{}
	cb := func(w *cev.Timer, revents int) {
		t.Printf("invoke %s revents=0x%x active=%d pending_count=%d", names[w], revents, b2i(w.IsActive()), l.PendingCount())
		if w == a {
			must(t, l.FeedEvent(hi, cev.EV_CUSTOM))
			must(t, l.FeedEvent(stopped, cev.EV_CUSTOM))
			t.Printf("a fed hi and stopped")
		}
	}
	mk := func(name string) *cev.Timer {
		w, err := l.NewTimer(100, 0, cb)
		must(t, err)
		names[w] = name
		return w
	}
	stopped, hi, a, b = mk("stopped"), mk("hi"), mk("a"), mk("b")
	must(t, hi.SetPriority(1))

	must(t, l.FeedEvent(stopped, cev.EV_TIMER))
	must(t, l.FeedEvent(stopped, cev.EV_READ))
	t.Printf("fed stopped twice: pending=%d pending_count=%d", b2i(stopped.IsPending()), l.PendingCount())
	r := run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("nowait returned %d pending=%d", r, b2i(stopped.IsPending()))

	must(t, l.FeedEvent(b, cev.EV_TIMER))
	must(t, l.FeedEvent(a, cev.EV_TIMER))
	t.Printf("fed b then a: pending_count=%d", l.PendingCount())
	r = run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("nowait returned %d pending_count=%d", r, l.PendingCount())

	must(t, b.Start())
	must(t, l.FeedEvent(b, cev.EV_CUSTOM))
	r = run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("nowait returned %d active=%d", r, b2i(b.IsActive()))
	must(t, b.Stop())
	destroy(t, l)
}

func clearPending(t *crosscheck.T) {
	l := newLoop(t)
	var lo, hi *cev.Timer
	var io *cev.IO
	cb := func(name string) func(*cev.Timer, int) {
		return func(w *cev.Timer, revents int) {
			t.Printf("invoke %s revents=0x%x", name, revents)
			if w == hi {
				ev := lo.ClearPending()
				t.Printf("hi cleared lo: returned 0x%x lo_pending=%d lo_active=%d", ev, b2i(lo.IsPending()), b2i(lo.IsActive()))
				ev = io.ClearPending()
				t.Printf("hi cleared io: returned 0x%x io_pending=%d io_active=%d", ev, b2i(io.IsPending()), b2i(io.IsActive()))
			}
		}
	}
	var err error
	lo, err = l.NewTimer(0, 0, cb("lo"))
	must(t, err)
	hi, err = l.NewTimer(0, 0, cb("hi"))
	must(t, err)
	must(t, hi.SetPriority(2))

	t.Printf("not pending: clear returned 0x%x", lo.ClearPending())
	must(t, l.FeedEvent(lo, cev.EV_READ|cev.EV_WRITE))
	t.Printf("fed: pending=%d", b2i(lo.IsPending()))
	ev := lo.ClearPending()
	t.Printf("clear returned 0x%x pending=%d", ev, b2i(lo.IsPending()))
	t.Printf("clear again returned 0x%x", lo.ClearPending())
	t.Printf("nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))

	rfd, wfd := pipe(t)
	defer closeFDs(rfd, wfd)
	writeByte(t, wfd, 'x')
	io, err = l.NewIO(rfd, cev.EV_READ, func(w *cev.IO, revents int) {
		t.Printf("invoke io revents=0x%x", revents)
	})
	must(t, err)
	must(t, io.Start())
	must(t, lo.Start())
	must(t, hi.Start())
	t.Printf("once returned %d", run(t, l, cev.EVRUN_ONCE))
	t.Printf("once returned %d", run(t, l, cev.EVRUN_ONCE))
	must(t, io.Stop())
	destroy(t, l)
}

func stopPending(t *crosscheck.T) {
	l := newLoop(t)
	rfd, wfd := pipe(t)
	defer closeFDs(rfd, wfd)
	writeByte(t, wfd, 'x')
	var hi, lo, x, y *cev.Timer
	var io *cev.IO
	names := map[*cev.Timer]string{}
	cb := func(w *cev.Timer, revents int) {
		t.Printf("invoke %s", names[w])
		if w == hi {
			t.Printf("lo pending=%d io pending=%d", b2i(lo.IsPending()), b2i(io.IsPending()))
			must(t, lo.Stop())
			must(t, io.Stop())
			t.Printf("hi stopped lo and io: lo pending=%d io pending=%d", b2i(lo.IsPending()), b2i(io.IsPending()))
		}
		if w == x || w == y {
			other := x
			if w == x {
				other = y
			}
			t.Printf("%s stops %s: pending before=%d", names[w], names[other], b2i(other.IsPending()))
			must(t, other.Stop())
		}
	}
	mk := func(name string) *cev.Timer {
		w, err := l.NewTimer(0, 0, cb)
		must(t, err)
		names[w] = name
		return w
	}
	hi = mk("hi")
	must(t, hi.SetPriority(1))
	lo = mk("lo")
	var err error
	io, err = l.NewIO(rfd, cev.EV_READ, func(w *cev.IO, revents int) {
		t.Printf("invoke io (must not happen)")
	})
	must(t, err)
	must(t, lo.Start())
	must(t, io.Start())
	must(t, hi.Start())
	t.Printf("run returned %d", run(t, l, 0))

	x, y = mk("x"), mk("y")
	must(t, x.Start())
	must(t, y.Start())
	t.Printf("run returned %d", run(t, l, 0))

	idle, err := l.NewIdle(func(w *cev.Idle, revents int) {
		t.Printf("invoke idle (must not happen)")
	})
	must(t, err)
	must(t, idle.SetPriority(-1))
	is, err := l.NewCheck(func(w *cev.Check, revents int) {
		t.Printf("invoke check: idle pending=%d", b2i(idle.IsPending()))
		must(t, idle.Stop())
		must(t, w.Stop())
	})
	must(t, err)
	must(t, is.SetPriority(1))
	must(t, idle.Start())
	must(t, is.Start())
	t.Printf("run returned %d", run(t, l, 0))
	destroy(t, l)
}

func restartQueued(t *crosscheck.T) {
	l := newLoop(t)
	base := l.Iteration()
	var a, b, c, d *cev.Timer
	var bcount, ccount, dcount int
	late := func() int { return b2i(l.Iteration()-base > 1) }
	var err error
	a, err = l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("a iteration=%d: b pending=%d c pending=%d", l.Iteration()-base, b2i(b.IsPending()), b2i(c.IsPending()))
		must(t, b.Stop())
		must(t, b.Set(0.01, 0))
		must(t, b.Start())
		must(t, c.SetRepeat(0.02))
		must(t, c.Again())
		t.Printf("a restarted b and re-armed c: b pending=%d active=%d c pending=%d active=%d",
			b2i(b.IsPending()), b2i(b.IsActive()), b2i(c.IsPending()), b2i(c.IsActive()))
		t.Printf("d pending=%d active=%d", b2i(d.IsPending()), b2i(d.IsActive()))
		must(t, d.Set(0.03, 0))
		must(t, d.Start())
		t.Printf("a started d: d pending=%d active=%d", b2i(d.IsPending()), b2i(d.IsActive()))
	})
	must(t, err)
	must(t, a.SetPriority(1))
	b, err = l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		bcount++
		t.Printf("b count=%d late=%d", bcount, late())
	})
	must(t, err)
	c, err = l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		ccount++
		t.Printf("c count=%d late=%d", ccount, late())
		must(t, w.Stop())
	})
	must(t, err)
	d, err = l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		dcount++
		t.Printf("d count=%d late=%d active=%d", dcount, late(), b2i(w.IsActive()))
	})
	must(t, err)
	must(t, b.Start())
	must(t, c.Start())
	must(t, d.Start())
	must(t, a.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d bcount=%d ccount=%d dcount=%d", r, bcount, ccount, dcount)
	destroy(t, l)
}
