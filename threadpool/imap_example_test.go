package threadpool_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// Imap yields the results in the order of the items, each as soon as it and
// the ones before it are done, while up to Size workers compute; an error is
// yielded in its item's place and the iteration goes on.
func ExampleImap() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		p, err := threadpool.New(2)
		if err != nil {
			return err
		}
		delays := []int{30, 10, 20, -1} // milliseconds; -1 fails
		for v, err := range threadpool.Imap(ctx, p, func(ms int) (string, error) {
			if ms < 0 {
				return "", errors.New("negative delay")
			}
			time.Sleep(time.Duration(ms) * time.Millisecond)
			return fmt.Sprintf("slept %dms", ms), nil
		}, slices.Values(delays)) {
			if err != nil {
				fmt.Println("error:", err)
				continue
			}
			fmt.Println(v)
		}
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// slept 30ms
	// slept 10ms
	// slept 20ms
	// error: negative delay
}

// ImapUnordered yields the results as the calls return. Here each call waits
// until the loop has the result of the item after it, so the calls can only
// return last item first; Imap would wait for the first item forever.
func ExampleImapUnordered() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		words := []string{"one", "two", "three"}
		p, err := threadpool.New(len(words)) // every call must run at once
		if err != nil {
			return err
		}
		release := make([]chan struct{}, len(words))
		for i := range release {
			release[i] = make(chan struct{})
		}
		close(release[len(words)-1])
		for v, err := range threadpool.ImapUnordered(ctx, p, func(i int) (int, error) {
			<-release[i]
			return i, nil
		}, func(yield func(int) bool) {
			for i := range words {
				if !yield(i) {
					return
				}
			}
		}) {
			if err != nil {
				return err
			}
			fmt.Println(v, strings.ToUpper(words[v]))
			if v > 0 {
				close(release[v-1])
			}
		}
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 2 THREE
	// 1 TWO
	// 0 ONE
}

// ApplyAsync returns at once; the callback runs with the value in a greenlet
// of its own, and Get returns once the callback has returned. MapAsync does the
// same for a whole Map.
func ExampleApplyAsync() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		p, err := threadpool.New(2)
		if err != nil {
			return err
		}
		r := threadpool.ApplyAsync(p, func() (int, error) {
			time.Sleep(10 * time.Millisecond) // a blocking call
			return 6 * 7, nil
		}, func(v int) error {
			fmt.Println("callback got", v)
			return nil
		})
		fmt.Println("ready at once:", r.Ready())
		v, err := r.Get(ctx)
		if err != nil {
			return err
		}
		fmt.Println("result:", v)

		squares, err := threadpool.MapAsync(p, func(x int) (int, error) { return x * x, nil }, []int{1, 2, 3},
			func(vs []int) error {
				fmt.Println("map callback got", vs)
				return nil
			}).Get(ctx)
		if err != nil {
			return err
		}
		fmt.Println("squares:", squares)
		return p.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// ready at once: false
	// callback got 42
	// result: 42
	// map callback got [1 4 9]
	// squares: [1 4 9]
}
