package gsignal_test

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/scheduler"
)

// A handler runs in a greenlet of its own each time the signal arrives, so it
// may block like any greenlet. The example waits until the handler has seen
// the signal before it stops the handler, so no delivery is left over.
func ExampleHandle() {
	err := scheduler.Main(func() error {
		var handled event.Event
		h, err := gsignal.Handle(syscall.SIGUSR1, func() {
			fmt.Println("handler runs in a greenlet:", scheduler.GetCurrent() != nil)
			if err := scheduler.Sleep(context.Background(), time.Millisecond); err != nil { // a handler may block
				fmt.Println("error:", err)
			}
			handled.Set()
		})
		if err != nil {
			return err
		}
		if err := gsignal.Self(syscall.SIGUSR1); err != nil {
			_ = h.Stop()
			return err
		}
		// A handler does not keep the loop alive: wait with a deadline, whose
		// timer does.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := handled.Wait(ctx); err != nil {
			_ = h.Stop()
			return err
		}
		fmt.Println("handled:", handled.IsSet())
		return h.Stop()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// handler runs in a greenlet: true
	// handled: true
}

// Main shuts the hub down cleanly on a signal: the body's greenlet is killed,
// its defers run, and Main reports which signal ended it.
func ExampleMain() {
	err := gsignal.Main(func() error {
		defer fmt.Println("body's defer runs")
		if err := gsignal.Self(syscall.SIGUSR1); err != nil {
			return err
		}
		return scheduler.Sleep(context.Background(), 5*time.Second) // killed by the signal long before
	}, syscall.SIGUSR1)
	var se *gsignal.SignalError
	fmt.Println(errors.Is(err, gsignal.ErrInterrupted), errors.As(err, &se) && se.Signal == syscall.SIGUSR1)
	fmt.Println(err)
	// Output:
	// body's defer runs
	// true true
	// gsignal: interrupted by signal: user defined signal 1
}
