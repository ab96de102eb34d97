package threadpool_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// ApplyCallback runs the blocking function on a worker, then the callback with its value in the
// calling greenlet, before it returns.
func ExampleApplyCallback() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		p, err := threadpool.New(2)
		if err != nil {
			return err
		}
		v, err := threadpool.ApplyCallback(ctx, p, func() (string, error) {
			return strings.ToUpper("computed off the hub"), nil // a blocking call would go here
		}, func(v string) error {
			fmt.Println("callback:", v)
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Println("returned:", v)
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// callback: COMPUTED OFF THE HUB
	// returned: COMPUTED OFF THE HUB
}

// MapCallback hands the values, in the order of the items, to the callback; the callback's error
// is MapCallback's.
func ExampleMapCallback() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		p, err := threadpool.New(3)
		if err != nil {
			return err
		}
		lengths, err := threadpool.MapCallback(ctx, p, func(s string) (int, error) {
			return len(s), nil
		}, []string{"a", "bb", "ccc"}, func(ns []int) error {
			if slices.Contains(ns, 0) {
				return fmt.Errorf("an empty item")
			}
			return nil
		})
		fmt.Println(lengths, err)
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// [1 2 3] <nil>
}

// ImapMaxSize bounds how far an iteration runs ahead of its loop: with ImapMaxSize(1), when the
// first result comes, the feeder has submitted one item beyond it and holds a third (without the
// option it would have submitted as many as the pool has workers, and run on as they return).
func ExampleImapMaxSize() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		p, err := threadpool.New(4)
		if err != nil {
			return err
		}
		pulled := 0
		items := func(yield func(int) bool) {
			for i := 1; i <= 100; i++ {
				pulled++
				if !yield(i) {
					return
				}
			}
		}
		square := func(i int) (int, error) { return i * i, nil }
		sum := 0
		for v, err := range threadpool.Imap(ctx, p, square, items, threadpool.ImapMaxSize(1)) {
			if err != nil {
				return err
			}
			if v == 1 {
				fmt.Println("items pulled at the first result:", pulled)
			}
			sum += v
		}
		fmt.Println("sum of the squares:", sum)
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// items pulled at the first result: 3
	// sum of the squares: 338350
}
