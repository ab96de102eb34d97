package threadpool_test

import (
	"context"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// Apply runs a blocking function on a worker goroutine and parks only the
// calling greenlet: the hub keeps running the others meanwhile.
func ExampleApply() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		p, err := threadpool.New(2)
		if err != nil {
			return err
		}
		other := make(chan struct{})
		scheduler.Go(func() error {
			fmt.Println("another greenlet runs while the worker blocks")
			close(other)
			return nil
		})
		v, err := threadpool.Apply(ctx, p, func() (string, error) {
			<-other // a blocking call: it would deadlock if it held up the hub
			time.Sleep(10 * time.Millisecond)
			return "blocking call done", nil
		})
		if err != nil {
			return err
		}
		fmt.Println(v)
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// another greenlet runs while the worker blocks
	// blocking call done
}

// Spawn returns at once; the Result is waited on later, with a deadline.
func ExampleSpawn() {
	err := scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		p, err := threadpool.New(1)
		if err != nil {
			return err
		}
		r := threadpool.Spawn(p, func() (int, error) {
			time.Sleep(10 * time.Millisecond)
			return 42, nil
		})
		fmt.Println("spawned; ready:", r.Ready())
		v, err := r.Get(ctx)
		if err != nil {
			return err
		}
		fmt.Println("result:", v, "ready:", r.Ready(), "successful:", r.Successful())
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// spawned; ready: false
	// result: 42 ready: true successful: true
}

// Map runs the function on up to Size workers at once and returns the results
// in the order of the items, whatever order the workers finish in.
func ExampleMap() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		p, err := threadpool.New(3)
		if err != nil {
			return err
		}
		delays := []int{30, 10, 20} // milliseconds: the workers finish 10, 20, 30
		out, err := threadpool.Map(ctx, p, func(ms int) (string, error) {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			return fmt.Sprintf("slept %dms", ms), nil
		}, delays)
		if err != nil {
			return err
		}
		fmt.Println(out)
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// [slept 30ms slept 10ms slept 20ms]
}

// Join waits until the pool has no work left: every call spawned, and every
// call spawned while it waits, has returned and its Result is ready.
func ExampleThreadPool_Join() {
	err := scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		p, err := threadpool.New(2)
		if err != nil {
			return err
		}
		var rs []*threadpool.Result[int]
		for i := range 3 {
			rs = append(rs, threadpool.Spawn(p, func() (int, error) {
				time.Sleep(time.Duration(10*(3-i)) * time.Millisecond)
				return i * i, nil
			}))
		}
		if err := p.Join(ctx); err != nil {
			return err
		}
		fmt.Println("queued or running after Join:", p.Len())
		for _, r := range rs {
			fmt.Println(r.Ready(), r.Value())
		}
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// queued or running after Join: 0
	// true 0
	// true 1
	// true 4
}
