package libevsuite

import (
	"math"
	"os"
	"sync"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	crosscheck.Register("libev", "async_coalesce", asyncCoalesce)
	crosscheck.Register("libev", "periodic", periodic)
	crosscheck.Register("libev", "stat_change", statChange)
	crosscheck.Register("libev", "fork_watcher", forkWatcher)
	crosscheck.Register("libev", "cleanup", cleanup)
}

func asyncCoalesce(t *crosscheck.T) {
	l := newLoop(t)
	count := 0
	as, err := l.NewAsync(func(w *cev.Async, revents int) {
		count++
		// The fourth call is the other goroutine's wake: its later sends may still be landing
		// while the callback runs, so whether one is outstanding then is a race, in C too.
		if count == 4 {
			t.Printf("async count=%d revents=0x%x", count, revents)
		} else {
			t.Printf("async count=%d revents=0x%x pending_after=%d", count, revents, b2i(w.AsyncPending()))
		}
		if count == 2 {
			must(t, w.Send())
			must(t, w.Send())
			t.Printf("sent twice from the callback: async_pending=%d", b2i(w.AsyncPending()))
		}
		if count == 4 {
			must(t, w.Stop())
		}
	})
	must(t, err)
	must(t, as.Start())
	t.Printf("started: async_pending=%d", b2i(as.AsyncPending()))
	for range 3 {
		must(t, as.Send())
	}
	t.Printf("sent 3: async_pending=%d", b2i(as.AsyncPending()))
	r := run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("nowait returned %d count=%d", r, count)
	r = run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("nowait returned %d count=%d", r, count)
	for range 3 {
		must(t, as.Send())
	}
	r = run(t, l, cev.EVRUN_ONCE)
	t.Printf("once returned %d count=%d", r, count)
	r = run(t, l, cev.EVRUN_ONCE)
	t.Printf("once returned %d count=%d", r, count)

	// The loop blocks until the other goroutine's sends wake it, once.
	var wg sync.WaitGroup
	var sendErr error
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		for range 5 {
			if err := as.Send(); err != nil && sendErr == nil {
				sendErr = err
			}
		}
	})
	r = run(t, l, 0)
	t.Printf("run returned %d count=%d", r, count)
	wg.Wait()
	must(t, sendErr)
	destroy(t, l)
}

func periodic(t *crosscheck.T) {
	l := newLoop(t)
	icount, acount := 0, 0
	ip, err := l.NewPeriodic(0, 0.01, func(w *cev.Periodic, revents int) {
		icount++
		k := w.At() / 0.01
		t.Printf("interval count=%d revents=0x%x active=%d at_is_multiple=%d", icount, revents, b2i(w.IsActive()),
			b2i(math.Abs(k-math.Floor(k+0.5)) < 1e-3))
		if icount == 3 {
			must(t, w.Stop())
		}
	})
	must(t, err)
	must(t, ip.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d icount=%d", r, icount)

	ap, err := l.NewPeriodic(l.Now()-10, 0, func(w *cev.Periodic, revents int) {
		acount++
		t.Printf("absolute count=%d revents=0x%x active=%d", acount, revents, b2i(w.IsActive()))
	})
	must(t, err)
	must(t, ap.Start())
	r = run(t, l, 0)
	t.Printf("run returned %d acount=%d", r, acount)

	must(t, ap.Set(l.Now()+0.02, 0))
	must(t, ap.Start())
	r = run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("nowait returned %d acount=%d", r, acount)
	r = run(t, l, 0)
	t.Printf("run returned %d acount=%d", r, acount)
	destroy(t, l)
}

func statChange(t *crosscheck.T) {
	f, err := os.CreateTemp("/tmp", "libevsuite-stat-")
	must(t, err)
	path := f.Name()
	defer os.Remove(path)
	_, err = f.WriteString("abc")
	must(t, err)
	must(t, f.Close())

	l := newLoop(t)
	count := 0
	st, err := l.NewStat(path, 0.01, func(w *cev.Stat, revents int) {
		count++
		a, p := w.Attr(), w.Prev()
		t.Printf("stat count=%d revents=0x%x size=%d prev_size=%d nlink=%d prev_nlink=%d", count, revents,
			a.Size, p.Size, a.Nlink, p.Nlink)
		if count == 2 {
			must(t, w.Stop())
		}
	})
	must(t, err)
	must(t, st.Start())
	t.Printf("started: size=%d nlink=%d", st.Attr().Size, st.Attr().Nlink)
	step := 0
	tm, err := l.NewTimer(0.05, 0, func(w *cev.Timer, revents int) {
		step++
		if step == 1 {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			must(t, err)
			_, err = f.WriteString("hello")
			must(t, err)
			must(t, f.Close())
			t.Printf("timer appended 5 bytes")
			must(t, w.Set(0.05, 0))
			must(t, w.Start())
		} else {
			must(t, os.Remove(path))
			t.Printf("timer removed the file")
		}
	})
	must(t, err)
	must(t, tm.Start())
	r := run(t, l, 0)
	t.Printf("run returned %d count=%d", r, count)
	destroy(t, l)
}

func forkWatcher(t *crosscheck.T) {
	l := newLoop(t)
	fk, err := l.NewFork(func(w *cev.Fork, revents int) {
		t.Printf("fork revents=0x%x iteration=%d", revents, l.Iteration())
	})
	must(t, err)
	pr, err := l.NewPrepare(func(w *cev.Prepare, revents int) {
		t.Printf("prepare iteration=%d", l.Iteration())
	})
	must(t, err)
	tm, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("timer iteration=%d", l.Iteration())
	})
	must(t, err)
	must(t, fk.Start())
	must(t, pr.Start())
	t.Printf("no fork: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))

	must(t, l.Fork())
	must(t, tm.Start())
	t.Printf("after ev_loop_fork: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))
	t.Printf("again: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))

	must(t, pr.Stop())
	must(t, l.Fork())
	t.Printf("fork only: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))
	must(t, fk.Stop())
	t.Printf("stopped: run returned %d", run(t, l, 0))
	destroy(t, l)
}

func cleanup(t *crosscheck.T) {
	l := newLoop(t)
	count := 0
	cb := func(name string) func(*cev.Cleanup, int) {
		return func(w *cev.Cleanup, revents int) {
			count++
			t.Printf("cleanup %s revents=0x%x active=%d", name, revents, b2i(w.IsActive()))
		}
	}
	c1, err := l.NewCleanup(cb("c1"))
	must(t, err)
	c2, err := l.NewCleanup(cb("c2"))
	must(t, err)
	must(t, c1.Start())
	must(t, c2.Start())
	r := run(t, l, 0)
	t.Printf("only cleanups: run returned %d count=%d", r, count)
	tm, err := l.NewTimer(0, 0, func(w *cev.Timer, revents int) {
		t.Printf("timer fired")
	})
	must(t, err)
	must(t, tm.Start())
	r = run(t, l, 0)
	t.Printf("run returned %d count=%d", r, count)
	must(t, c2.Stop())
	t.Printf("destroying")
	destroy(t, l)
	t.Printf("destroyed count=%d", count)
}
