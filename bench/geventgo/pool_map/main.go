// Command pool_map measures pool.Map over a Pool of 100 greenlets with a
// trivial function, 100k items per round; per item.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

const items = 100000

func double(x int) (int, error) { return 2 * x, nil }

func main() {
	defer benchio.StartProfile()()
	// As many rounds as bench/go/pool_map: the first round is cold (memory faulted in,
	// pools grown), so equal counts spread it alike.
	rounds := benchio.N(10)
	in := make([]int, items)
	for i := range in {
		in[i] = i
	}
	ctx := context.Background()
	err := scheduler.Main(func() error {
		t0 := time.Now()
		for range rounds {
			p, err := pool.New(100)
			if err != nil {
				return err
			}
			out, err := pool.Map(ctx, p, double, in)
			if err != nil {
				return err
			}
			if len(out) != items || out[items-1] != 2*(items-1) {
				return fmt.Errorf("bad map result: %d items", len(out))
			}
		}
		benchio.Emit("pool_map", "ns/op", benchio.PerOp(time.Since(t0), rounds*items))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
