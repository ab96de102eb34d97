// Command threadpool measures gevent's threadpool from a greenlet: apply (one
// call to a worker and back, the greenlet waiting) and spawn (batches of 1000
// calls queued at once on 4 workers, then each result collected), per call.
package main

import (
	"context"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

const (
	workers = 4
	batch   = 1000
)

func double(x int) func() (int, error) { return func() (int, error) { return 2 * x, nil } }

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(20000)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		p, err := threadpool.New(workers)
		if err != nil {
			return err
		}
		defer p.Close()
		if _, err := threadpool.Apply(ctx, p, double(0)); err != nil { // the first worker starts
			return err
		}
		t0 := time.Now()
		for i := range n {
			if _, err := threadpool.Apply(ctx, p, double(i)); err != nil {
				return err
			}
		}
		benchio.Emit("threadpool_apply", "ns/op", benchio.PerOp(time.Since(t0), n))

		rounds := max(1, n/batch)
		rs := make([]*threadpool.Result[int], batch)
		t0 = time.Now()
		for range rounds {
			for i := range rs {
				rs[i] = threadpool.Spawn(p, double(i))
			}
			for _, r := range rs {
				if _, err := r.Get(ctx); err != nil {
					return err
				}
			}
		}
		benchio.Emit("threadpool_spawn", "ns/op", benchio.PerOp(time.Since(t0), rounds*batch))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
