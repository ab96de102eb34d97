// Command adopt is the smallest program a module that adds geventgo builds:
// two greenlets sleep and append to a slice, the main greenlet joins them.
// make test-adopt builds, vets and runs it with no tags and checks that it
// prints [fast slow].
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

func main() {
	var done []string
	err := scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sleeper := func(name string, d time.Duration) *scheduler.Greenlet[struct{}] {
			return scheduler.Go(func() error {
				err := scheduler.Sleep(ctx, d)
				done = append(done, name)
				return err
			})
		}
		gs := []*scheduler.Greenlet[struct{}]{sleeper("slow", 20*time.Millisecond), sleeper("fast", time.Millisecond)}
		_, err := scheduler.JoinAll(ctx, gs)
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "adopt:", err)
		os.Exit(1)
	}
	fmt.Println(done)
}
