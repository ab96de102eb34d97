package scheduler_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// WriteRunInfo draws each hub's greenlets as a tree by spawner, with the
// state of each and what it waits on. The hub's header lines (its number,
// loop counters, settings) and the goroutine ids change from run to run,
// so this example prints the tree without them.
func ExampleWriteRunInfo() {
	ctx := context.Background()
	_ = scheduler.Main(func() error {
		reply := scheduler.NewWaiter("a reply")
		worker := scheduler.Go(func() error {
			scheduler.Go(func() error { return scheduler.Sleep(ctx, time.Minute) }).SetName("sleeper")
			_, err := reply.Get(ctx)
			return err
		})
		worker.SetName("worker")
		// Let both run up to their waits.
		_ = scheduler.Sleep(ctx, 0)
		_ = scheduler.Sleep(ctx, 0)

		var b strings.Builder
		if err := scheduler.WriteRunInfo(ctx, &b); err != nil {
			return err
		}
		goroutine := regexp.MustCompile(` \(goroutine \d+\)$`)
		for line := range strings.Lines(b.String()) {
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "Hub "), strings.HasPrefix(line, "  loop: "),
				strings.HasPrefix(line, "  watchers: "), strings.HasPrefix(line, "  config: "):
				continue
			}
			fmt.Println(strings.TrimPrefix(goroutine.ReplaceAllString(line, ""), "  "))
		}
		return nil
	})
	// Output:
	// main: running
	// +--- worker: waiting on a reply
	//      +--- sleeper: waiting on sleep 1m0s
	// hub: suspended
}
