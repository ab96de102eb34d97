package lock_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

func ExampleSemaphore() {
	_ = scheduler.Main(func() error {
		s, _ := lock.NewSemaphore(1)
		var gs []*scheduler.Greenlet[struct{}]
		for _, n := range []string{"a", "b"} {
			gs = append(gs, scheduler.Go(func() error {
				_ = s.Acquire(bg)
				defer func() { _, _ = s.Release() }()
				fmt.Println(n, "in")
				_ = scheduler.Sleep(bg, 0)
				fmt.Println(n, "out")
				return nil
			}))
		}
		_, err := scheduler.Wait(bg, gs, 0)
		return err
	})
	// Output:
	// a in
	// a out
	// b in
	// b out
}

// A wait bounded by a context deadline gives up with an error matching scheduler.ErrTimeout;
// TryAcquire is the form that never waits.
func ExampleSemaphore_Acquire() {
	_ = scheduler.Main(func() error {
		s, _ := lock.NewSemaphore(0)
		fmt.Println("try:", s.TryAcquire())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		err := s.Acquire(ctx)
		fmt.Println("timed out:", errors.Is(err, scheduler.ErrTimeout))
		return nil
	})
	// Output:
	// try: false
	// timed out: true
}

// A BoundedSemaphore refuses a release above its initial value.
func ExampleBoundedSemaphore() {
	_ = scheduler.Main(func() error {
		s, _ := lock.NewBoundedSemaphore(1)
		_ = s.Acquire(bg)
		n, err := s.Release()
		fmt.Println(n, err)
		_, err = s.Release()
		fmt.Println(errors.Is(err, lock.ErrReleasedTooManyTimes))
		return nil
	})
	// Output:
	// 1 <nil>
	// true
}

// The zero Lock is unlocked; a greenlet that wants it while another holds it waits.
func ExampleLock() {
	_ = scheduler.Main(func() error {
		var l lock.Lock
		_ = l.Acquire(bg)
		g := scheduler.Go(func() error {
			if err := l.Acquire(bg); err != nil {
				return err
			}
			fmt.Println("waiter has it")
			return l.Release()
		})
		_ = scheduler.Sleep(bg, 0)
		fmt.Println("locked:", l.Locked())
		_ = l.Release()
		return g.Join(bg)
	})
	// Output:
	// locked: true
	// waiter has it
}

// An RLock may be taken again by the greenlet that holds it; it is free once every Acquire
// was released.
func ExampleRLock() {
	_ = scheduler.Main(func() error {
		var r lock.RLock
		_ = r.Acquire(bg)
		_ = r.Acquire(bg)
		fmt.Println(r.Count(), r.IsOwned())
		_ = r.Release()
		_ = r.Release()
		fmt.Println(r.Count(), r.Locked())
		return nil
	})
	// Output:
	// 2 true
	// 0 false
}
