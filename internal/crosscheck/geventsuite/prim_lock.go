package geventsuite

import (
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_sem_wake_order", primSemWakeOrder)
	register("prim_sem_newcomer", primSemNewcomer)
	register("prim_sem_timeout", primSemTimeout)
	register("prim_sem_release_two", primSemReleaseTwo)
	register("prim_sem_wait", primSemWait)
	register("prim_bounded_sem", primBoundedSem)
	register("prim_rlock", primRLock)
	register("prim_lock_order", primLockOrder)
	register("prim_dummy_sem", primDummySem)
}

func primSemWakeOrder(t *crosscheck.T) {
	s := mustSem(t, 1)
	_ = s.Acquire(bg)
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c", "d"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			err := s.Acquire(bg)
			unexpected(t, "acquire", err)
			t.Println("acquired", n)
			unexpected(t, "sleep", scheduler.Sleep(bg, ms))
			_, err = s.Release()
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("release")
	_, _ = s.Release()
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
}

func primSemNewcomer(t *crosscheck.T) {
	s := mustSem(t, 1)
	_ = s.Acquire(bg)
	g := scheduler.Go(func() error {
		err := s.Acquire(bg)
		t.Println("waiter acquired")
		return err
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	_, _ = s.Release()
	ok := s.TryAcquire()
	t.Println("newcomer", py(ok))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("waiter ready", py(g.Ready()))
	_, _ = s.Release()
	unexpected(t, "join", g.Join(bg))
	t.Println("waiter done", py(g.Ready()))
}

func primSemTimeout(t *crosscheck.T) {
	s := mustSem(t, 0)
	ok, err := waitOK(s.Acquire(within(10 * ms)))
	unexpected(t, "acquire", err)
	t.Println("timeout", py(ok), s.Counter())
	ok = s.TryAcquire()
	t.Println("nonblock", py(ok))
	c, _ := s.Release()
	t.Println("release", c, "locked", py(s.Locked()))
	ok, _ = waitOK(s.Acquire(bg))
	t.Println("acquire", py(ok), s.Counter())
}

func primSemReleaseTwo(t *crosscheck.T) {
	s := mustSem(t, 0)
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			err := s.Acquire(bg)
			t.Println("acquired", n)
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	_, _ = s.Release()
	_, _ = s.Release()
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	var ready []bool
	for _, g := range gs {
		ready = append(ready, g.Ready())
	}
	t.Println("after two releases", pyBools(ready))
	_, _ = s.Release()
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("counter", s.Counter())
}

func primSemWait(t *crosscheck.T) {
	s := mustSem(t, 0)
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			c, err := s.Wait(bg)
			t.Println("wait", n, c)
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	_, _ = s.Release()
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	c, err := mustSem(t, 0).Wait(within(10 * ms))
	_, err = waitOK(err) // gevent's wait returns the counter at its timeout
	unexpected(t, "wait", err)
	t.Println("counter", s.Counter(), "timeout wait", c)
}

func primBoundedSem(t *crosscheck.T) {
	s, err := lock.NewBoundedSemaphore(2)
	if err != nil {
		t.Fatalf("%v", err)
	}
	_ = s.Acquire(bg)
	c, err := s.Release()
	unexpected(t, "release", err)
	t.Println("release", c)
	if _, err := s.Release(); errors.Is(err, lock.ErrReleasedTooManyTimes) {
		t.Println("error ValueError")
	}
	t.Println("counter", s.Counter())
}

func primRLock(t *crosscheck.T) {
	var r lock.RLock
	_ = r.Acquire(bg)
	_ = r.Acquire(bg)
	g := scheduler.Go(func() error {
		if err := r.Release(); errors.Is(err, lock.ErrNotHeld) {
			t.Println("other release: error")
		}
		ok, err := waitOK(r.Acquire(within(10 * ms)))
		unexpected(t, "acquire", err)
		t.Println("other acquire", py(ok))
		if err := r.Acquire(bg); err != nil {
			return err
		}
		t.Println("other got it")
		return r.Release()
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 100*ms))
	unexpected(t, "release", r.Release())
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("still held, other ready", py(g.Ready()))
	unexpected(t, "release", r.Release())
	unexpected(t, "join", g.Join(bg))
	if err := r.Release(); errors.Is(err, lock.ErrNotHeld) {
		t.Println("main release unheld: error")
	}
}

func primLockOrder(t *crosscheck.T) {
	var l lock.Lock
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			if err := l.Acquire(bg); err != nil {
				return none{}, err
			}
			t.Println("in", n)
			unexpected(t, "sleep", scheduler.Sleep(bg, 0))
			t.Println("out", n)
			return none{}, l.Release()
		}))
	}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	if err := l.Release(); errors.Is(err, lock.ErrReleasedTooManyTimes) {
		t.Println("release unlocked: error")
	}
}

func primDummySem(t *crosscheck.T) {
	var d lock.DummySemaphore
	a := d.Acquire(bg) == nil
	b := d.Acquire(bg) == nil
	w, _ := d.Wait(bg)
	t.Println(py(a), py(b), py(d.Locked()), py(d.Ready()), fmt.Sprint(w))
}

func mustSem(t *crosscheck.T, n int) *lock.Semaphore {
	s, err := lock.NewSemaphore(n)
	if err != nil {
		t.Fatalf("NewSemaphore: %v", err)
	}
	return s
}
