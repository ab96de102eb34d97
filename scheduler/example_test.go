package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// Spawned greenlets start when the spawner blocks, in spawn order, and
// interleave at every blocking call.
func ExampleSpawn() {
	ctx := context.Background()
	_ = scheduler.Main(func() error {
		g := scheduler.Spawn(func() (string, error) {
			fmt.Println("greenlet runs")
			if err := scheduler.Sleep(ctx, 10*time.Millisecond); err != nil {
				return "", err
			}
			return "result", nil
		})
		fmt.Println("spawned, not run yet")
		v, err := g.Get(ctx)
		fmt.Println(v, err)
		return nil
	})
	// Output:
	// spawned, not run yet
	// greenlet runs
	// result <nil>
}

// JoinAll returns the greenlets that finished, in the order they finished;
// the context bounds the whole wait.
func ExampleJoinAll() {
	_ = scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var jobs []*scheduler.Greenlet[string]
		for _, ms := range []int{30, 10, 20} {
			jobs = append(jobs, scheduler.Spawn(func() (string, error) {
				return fmt.Sprint(ms, "ms"), scheduler.Sleep(ctx, time.Duration(ms)*time.Millisecond)
			}))
		}
		done, err := scheduler.JoinAll(ctx, jobs)
		if err != nil {
			return err
		}
		for _, j := range done {
			fmt.Println(j.Value())
		}
		return nil
	})
	// Output:
	// 10ms
	// 20ms
	// 30ms
}

// A Timeout raises itself in the greenlet that started it; errors.Is tells
// which Timeout fired.
func ExampleTimeout() {
	_ = scheduler.Main(func() error {
		t, err := scheduler.StartTimeout(10 * time.Millisecond)
		if err != nil {
			return err
		}
		defer t.Cancel()
		err = scheduler.Sleep(context.Background(), time.Second)
		fmt.Println(errors.Is(err, t), errors.Is(err, scheduler.ErrTimeout))
		return nil
	})
	// Output:
	// true true
}

// LoopExit names every greenlet that can never be woken and what it waits on.
func ExampleLoopExitError() {
	ctx := context.Background()
	_ = scheduler.Main(func() error {
		g := scheduler.Go(func() error {
			_, err := scheduler.NewWaiter("Event.wait").Get(ctx)
			return err
		})
		g.SetName("consumer")
		err := g.Join(ctx)
		var le *scheduler.LoopExitError
		if errors.As(err, &le) {
			for _, b := range le.Blocked {
				fmt.Println(b.Name, "waits on", b.WaitingOn)
			}
		}
		return nil
	})
	// Output:
	// main waits on join consumer
	// consumer waits on Event.wait
}

// An exit request escaping a greenlet (gevent's SystemExit) is thrown into
// the main greenlet's wait, after the error handler saw it, so that main
// unwinds and the program can exit with its code.
func ExampleExitError() {
	err := scheduler.Main(func() error {
		scheduler.Go(func() error {
			return &scheduler.ExitError{Code: 2}
		})
		return scheduler.Sleep(context.Background(), time.Second)
	})
	var exit *scheduler.ExitError
	if errors.As(err, &exit) {
		fmt.Println("exit with code", exit.Code) // os.Exit(exit.Code) in a program
	}
	// Output: exit with code 2
}

// A Config sets a hub's settings in code; the fields left zero come from
// the GEVENTGO_* environment variables, else the defaults.
func ExampleConfig() {
	cfg := scheduler.Config{SwitchInterval: 2 * time.Millisecond, MaxBlockingTime: -1}
	err := cfg.Main(func() error {
		h := scheduler.CurrentHub()
		fmt.Println(h.SwitchInterval(), h.BlockingThreshold())
		return nil
	})
	fmt.Println(err)
	_, err = scheduler.Config{ThreadpoolSize: -1}.NewHub()
	fmt.Println(errors.Is(err, scheduler.ErrInvalidConfig))
	// Output:
	// 2ms 0s
	// <nil>
	// true
}

// AssertSwitches checks that a block lets the hub run: a block that only
// computes fails with ErrNoSwitch, one that waits passes. With a threshold
// it names every greenlet that ran longer than it without switching.
func ExampleAssertSwitches() {
	ctx := context.Background()
	_ = scheduler.Main(func() error {
		err := scheduler.AssertSwitches(0, func() error {
			sum := 0
			for i := range 1000 {
				sum += i
			}
			return nil
		})
		fmt.Println(errors.Is(err, scheduler.ErrNoSwitch))
		err = scheduler.AssertSwitches(0, func() error { return scheduler.Sleep(ctx, 0) })
		fmt.Println(err)
		return nil
	})
	// Output:
	// true
	// <nil>
}
