package pool_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

func ExamplePool() {
	_ = scheduler.Main(func() error {
		p, _ := pool.New(2)
		ctx := context.Background()
		out, err := pool.Map(ctx, p, func(x int) (int, error) { return x * x, scheduler.Sleep(ctx, 0) }, []int{1, 2, 3, 4})
		fmt.Println(out, err)
		return nil
	})
	// Output: [1 4 9 16] <nil>
}

// A Group tracks greenlets until they finish; Join waits for all of them.
func ExampleGroup() {
	_ = scheduler.Main(func() error {
		g := pool.NewGroup()
		for _, name := range []string{"a", "b", "c"} {
			_, _ = pool.Spawn(bg, g, func() (struct{}, error) {
				fmt.Println(name, "ran")
				return struct{}{}, nil
			})
		}
		fmt.Println("members:", g.Len())
		err := g.Join(bg)
		fmt.Println("members:", g.Len(), err)
		return nil
	})
	// Output:
	// members: 3
	// a ran
	// b ran
	// c ran
	// members: 0 <nil>
}

// Spawn on a full Pool waits for a slot; TryAdd and TryStart are the forms that never wait.
func ExampleSpawn() {
	_ = scheduler.Main(func() error {
		p, _ := pool.New(1)
		first, _ := pool.Spawn(bg, p, func() (string, error) { return "first", scheduler.Sleep(bg, 0) })
		fmt.Println("full:", p.Full())
		second, _ := pool.Spawn(bg, p, func() (string, error) { return "second", nil })
		fmt.Println("first done when second spawned:", first.Ready())
		v, err := second.Get(bg)
		fmt.Println(v, err)
		return nil
	})
	// Output:
	// full: true
	// first done when second spawned: true
	// second <nil>
}

// Imap yields the results in the order of the items, as they become ready; breaking out of
// the loop kills what still runs.
func ExampleImap() {
	_ = scheduler.Main(func() error {
		p, _ := pool.New(3)
		double := func(x int) (int, error) { return 2 * x, scheduler.Sleep(bg, 0) }
		for v, err := range pool.Imap(bg, p, double, slices.Values([]int{1, 2, 3, 4, 5})) {
			if err != nil {
				return err
			}
			fmt.Println(v)
			if v == 6 {
				break
			}
		}
		fmt.Println("running:", p.Len())
		return nil
	})
	// Output:
	// 2
	// 4
	// 6
	// running: 0
}
