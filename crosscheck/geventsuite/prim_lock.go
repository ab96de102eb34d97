package geventsuite

import (
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/crosscheck"
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

func mustSem(t *crosscheck.T, n int) *lock.Semaphore {
	s, err := lock.NewSemaphore(n)
	if err != nil {
		t.Fatalf("NewSemaphore: %v", err)
	}
	return s
}

func primSemWakeOrder(t *crosscheck.T) {
	s := mustSem(t, 1)
	_, _ = s.Acquire(true, scheduler.Forever)
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c", "d"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			_, err := s.Acquire(true, scheduler.Forever)
			unexpected(t, "acquire", err)
			t.Println("acquired", n)
			unexpected(t, "sleep", scheduler.Sleep(ms))
			_, err = s.Release()
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(0))
	t.Println("release")
	_, _ = s.Release()
	_, err := scheduler.JoinAll(gs, scheduler.Forever, false)
	unexpected(t, "joinall", err)
}

func primSemNewcomer(t *crosscheck.T) {
	s := mustSem(t, 1)
	_, _ = s.Acquire(true, scheduler.Forever)
	g := scheduler.Go(func() error {
		_, err := s.Acquire(true, scheduler.Forever)
		t.Println("waiter acquired")
		return err
	})
	unexpected(t, "sleep", scheduler.Sleep(0))
	_, _ = s.Release()
	ok, _ := s.Acquire(false, 0)
	t.Println("newcomer", py(ok))
	unexpected(t, "sleep", scheduler.Sleep(0))
	t.Println("waiter ready", py(g.Ready()))
	_, _ = s.Release()
	unexpected(t, "join", g.Join(scheduler.Forever))
	t.Println("waiter done", py(g.Ready()))
}

func primSemTimeout(t *crosscheck.T) {
	s := mustSem(t, 0)
	ok, err := s.Acquire(true, 10*ms)
	unexpected(t, "acquire", err)
	t.Println("timeout", py(ok), s.Counter())
	ok, _ = s.Acquire(false, 0)
	t.Println("nonblock", py(ok))
	c, _ := s.Release()
	t.Println("release", c, "locked", py(s.Locked()))
	ok, _ = s.Acquire(true, scheduler.Forever)
	t.Println("acquire", py(ok), s.Counter())
}

func primSemReleaseTwo(t *crosscheck.T) {
	s := mustSem(t, 0)
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			_, err := s.Acquire(true, scheduler.Forever)
			t.Println("acquired", n)
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(0))
	_, _ = s.Release()
	_, _ = s.Release()
	unexpected(t, "sleep", scheduler.Sleep(0))
	var ready []bool
	for _, g := range gs {
		ready = append(ready, g.Ready())
	}
	t.Println("after two releases", pyBools(ready))
	_, _ = s.Release()
	_, err := scheduler.JoinAll(gs, scheduler.Forever, false)
	unexpected(t, "joinall", err)
	t.Println("counter", s.Counter())
}

func primSemWait(t *crosscheck.T) {
	s := mustSem(t, 0)
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			c, err := s.Wait(scheduler.Forever)
			t.Println("wait", n, c)
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(0))
	_, _ = s.Release()
	_, err := scheduler.JoinAll(gs, scheduler.Forever, false)
	unexpected(t, "joinall", err)
	c, err := mustSem(t, 0).Wait(10 * ms)
	unexpected(t, "wait", err)
	t.Println("counter", s.Counter(), "timeout wait", c)
}

func primBoundedSem(t *crosscheck.T) {
	s, err := lock.NewBoundedSemaphore(2)
	if err != nil {
		t.Fatalf("%v", err)
	}
	_, _ = s.Acquire(true, scheduler.Forever)
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
	_, _ = r.Acquire(true, scheduler.Forever)
	_, _ = r.Acquire(true, scheduler.Forever)
	g := scheduler.Go(func() error {
		if err := r.Release(); errors.Is(err, lock.ErrNotHeld) {
			t.Println("other release: error")
		}
		ok, err := r.Acquire(true, 10*ms)
		unexpected(t, "acquire", err)
		t.Println("other acquire", py(ok))
		if _, err := r.Acquire(true, scheduler.Forever); err != nil {
			return err
		}
		t.Println("other got it")
		return r.Release()
	})
	unexpected(t, "sleep", scheduler.Sleep(100*ms))
	unexpected(t, "release", r.Release())
	unexpected(t, "sleep", scheduler.Sleep(0))
	t.Println("still held, other ready", py(g.Ready()))
	unexpected(t, "release", r.Release())
	unexpected(t, "join", g.Join(scheduler.Forever))
	if err := r.Release(); errors.Is(err, lock.ErrNotHeld) {
		t.Println("main release unheld: error")
	}
}

func primLockOrder(t *crosscheck.T) {
	var l lock.Lock
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			if _, err := l.Acquire(true, scheduler.Forever); err != nil {
				return none{}, err
			}
			t.Println("in", n)
			unexpected(t, "sleep", scheduler.Sleep(0))
			t.Println("out", n)
			return none{}, l.Release()
		}))
	}
	_, err := scheduler.JoinAll(gs, scheduler.Forever, false)
	unexpected(t, "joinall", err)
	if err := l.Release(); errors.Is(err, lock.ErrReleasedTooManyTimes) {
		t.Println("release unlocked: error")
	}
}

func primDummySem(t *crosscheck.T) {
	var d lock.DummySemaphore
	a, _ := d.Acquire(true, scheduler.Forever)
	b, _ := d.Acquire(true, scheduler.Forever)
	w, _ := d.Wait(scheduler.Forever)
	t.Println(py(a), py(b), py(d.Locked()), py(d.Ready()), fmt.Sprint(w))
}
