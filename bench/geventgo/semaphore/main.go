// Command semaphore measures two greenlets contending a lock.Semaphore(1),
// each yielding with Sleep(0) while holding it; per acquire.
package main

import (
	"context"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

func main() {
	defer benchio.StartProfile()()
	k := benchio.N(300000)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		sem, err := lock.NewSemaphore(1)
		if err != nil {
			return err
		}
		worker := func() error {
			for range k {
				if err := sem.Acquire(ctx); err != nil {
					return err
				}
				err := scheduler.Sleep(ctx, 0)
				if _, rerr := sem.Release(); rerr != nil {
					return rerr
				}
				if err != nil {
					return err
				}
			}
			return nil
		}
		t0 := time.Now()
		gs := []*scheduler.Greenlet[struct{}]{scheduler.Go(worker), scheduler.Go(worker)}
		if _, err := scheduler.JoinAll(ctx, gs); err != nil {
			return err
		}
		benchio.Emit("semaphore", "ns/op", benchio.PerOp(time.Since(t0), 2*k))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
