package libevsuite

import (
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	crosscheck.Register("libev", "priorities", priorities)
	crosscheck.Register("libev", "idle_lockout", idleLockout)
	crosscheck.Register("libev", "prepare_check", prepareCheck)
	crosscheck.Register("libev", "prepare_zero_timer", prepareZeroTimer)
	crosscheck.Register("libev", "io_timer", ioTimer)
}

func priorities(t *crosscheck.T) {
	l := newLoop(t)
	t.Printf("minpri=%d maxpri=%d", cev.EV_MINPRI, cev.EV_MAXPRI)
	names := []string{"p0a", "m2", "p2", "m1", "p1", "p0b"}
	pris := []int{0, -2, 2, -1, 1, 0}
	for i, name := range names {
		w, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
			t.Printf("timer %s pri=%d revents=0x%x", name, w.Priority(), revents)
		})
		must(t, err)
		must(t, w.SetPriority(pris[i]))
		must(t, w.Start())
	}
	rfd, wfd := pipe(t)
	defer closeFDs(rfd, wfd)
	writeByte(t, wfd, 'x')
	io, err := l.NewIO(rfd, cev.EV_READ, func(w *cev.IO, revents int) {
		t.Printf("io io1 pri=%d revents=0x%x", w.Priority(), revents)
		drain(w.FD())
		must(t, w.Stop())
	})
	must(t, err)
	must(t, io.SetPriority(1))
	must(t, io.Start())
	t.Printf("run returned %d", run(t, l, 0))
	destroy(t, l)
}

func idleLockout(t *crosscheck.T) {
	l := newLoop(t)
	var hicount, locount, midcount, tcount int
	hi, err := l.NewIdle(func(w *cev.Idle, revents int) {
		hicount++
		t.Printf("idle hi count=%d revents=0x%x", hicount, revents)
		if hicount == 3 {
			must(t, w.Stop())
			t.Printf("idle hi stopped")
		}
	})
	must(t, err)
	must(t, hi.SetPriority(1))
	mid, err := l.NewIdle(func(w *cev.Idle, revents int) {
		midcount++
		t.Printf("idle mid count=%d revents=0x%x", midcount, revents)
		if midcount == 2 {
			must(t, w.Stop())
		}
	})
	must(t, err)
	lo, err := l.NewIdle(func(w *cev.Idle, revents int) {
		locount++
		t.Printf("idle lo count=%d revents=0x%x", locount, revents)
		if locount == 2 {
			must(t, w.Stop())
		}
	})
	must(t, err)
	must(t, lo.SetPriority(-1))
	tm, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		tcount++
		t.Printf("timer count=%d", tcount)
		if tcount == 2 {
			must(t, w.Stop())
			must(t, mid.Start())
		}
	})
	must(t, err)
	must(t, lo.Start())
	must(t, hi.Start())
	must(t, tm.Start())
	for i := range 8 {
		before := l.Iteration()
		r := run(t, l, cev.EVRUN_ONCE)
		t.Printf("once %d returned %d iterations=%d", i, r, l.Iteration()-before)
		if tcount == 1 && !tm.IsActive() {
			must(t, tm.Start())
		}
	}
	destroy(t, l)
}

func prepareCheck(t *crosscheck.T) {
	l := newLoop(t)
	rfd, wfd := pipe(t)
	defer closeFDs(rfd, wfd)
	iter := 0
	tm, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("timer iter=%d revents=0x%x", iter, revents)
	})
	must(t, err)
	p, err := l.NewPrepare(func(w *cev.Prepare, revents int) {
		iter++
		t.Printf("prepare iter=%d revents=0x%x loop_iteration=%d", iter, revents, l.Iteration())
		if iter == 2 {
			writeByte(t, wfd, 'x')
			t.Printf("prepare wrote the pipe")
		}
		if iter == 3 {
			must(t, tm.Set(0, 0))
			must(t, tm.Start())
			t.Printf("prepare started a zero timer")
		}
	})
	must(t, err)
	c, err := l.NewCheck(func(w *cev.Check, revents int) {
		t.Printf("check iter=%d revents=0x%x loop_iteration=%d", iter, revents, l.Iteration())
		if iter == 3 {
			must(t, l.Break(cev.EVBREAK_ONE))
		}
	})
	must(t, err)
	io, err := l.NewIO(rfd, cev.EV_READ, func(w *cev.IO, revents int) {
		drain(w.FD())
		t.Printf("io iter=%d revents=0x%x", iter, revents)
	})
	must(t, err)
	must(t, p.Start())
	must(t, c.Start())
	must(t, io.Start())
	must(t, tm.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d iterations=%d", r, l.Iteration())
	destroy(t, l)
}

func prepareZeroTimer(t *crosscheck.T) {
	l := newLoop(t)
	preps := 0
	var p *cev.Prepare
	tm, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("timer revents=0x%x iteration=%d preps=%d", revents, l.Iteration(), preps)
		if preps == 2 {
			must(t, p.Stop())
			t.Printf("prepare stopped")
		}
	})
	must(t, err)
	p, err = l.NewPrepare(func(w *cev.Prepare, revents int) {
		preps++
		t.Printf("prepare revents=0x%x iteration=%d", revents, l.Iteration())
		must(t, tm.Set(0, 0))
		must(t, tm.Start())
	})
	must(t, err)
	must(t, p.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d iterations=%d", r, l.Iteration())
	destroy(t, l)
}

func ioTimer(t *crosscheck.T) {
	l := newLoop(t)
	rfd, wfd := pipe(t)
	defer closeFDs(rfd, wfd)
	base := l.Iteration()
	io, err := l.NewIO(rfd, cev.EV_READ, func(w *cev.IO, revents int) {
		drain(w.FD())
		t.Printf("io pipe revents=0x%x iteration=%d", revents, l.Iteration()-base)
	})
	must(t, err)
	tcb := func(name string) func(*cev.Timer, int) {
		return func(w *cev.Timer, revents int) {
			t.Printf("timer %s revents=0x%x iteration=%d", name, revents, l.Iteration()-base)
		}
	}
	must(t, io.Start())
	t0, err := l.NewTimer(0, 0, tcb("zero"))
	must(t, err)
	must(t, t0.Start())
	writeByte(t, wfd, 'a')
	t.Printf("once returned %d", run(t, l, cev.EVRUN_ONCE))

	t1, err := l.NewTimer(0.01, 0, tcb("10ms"))
	must(t, err)
	must(t, t1.Start())
	writeByte(t, wfd, 'b')
	time.Sleep(30 * time.Millisecond)
	t.Printf("once returned %d", run(t, l, cev.EVRUN_ONCE))

	must(t, io.Stop())
	t.Printf("run returned %d", run(t, l, 0))
	destroy(t, l)
}
