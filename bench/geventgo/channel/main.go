// Command channel measures a queue.Channel rendezvous between a producer and
// a consumer greenlet; per item.
package main

import (
	"context"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(1000000)
	ctx := context.Background()
	err := scheduler.Main(func() error {
		ch := queue.NewChannel[int]()
		t0 := time.Now()
		producer := scheduler.Go(func() error {
			for i := range n {
				if err := ch.Put(ctx, i); err != nil {
					return err
				}
			}
			return nil
		})
		consumer := scheduler.Go(func() error {
			for range n {
				if _, err := ch.Get(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := scheduler.JoinAll(ctx, []*scheduler.Greenlet[struct{}]{producer, consumer}); err != nil {
			return err
		}
		benchio.Emit("channel", "ns/op", benchio.PerOp(time.Since(t0), n))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
