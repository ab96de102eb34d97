package cev_test

import (
	"fmt"

	"github.com/geventgo/geventgo/cev"
)

// A loop with a repeating timer that stops itself: Run returns when no
// watcher is active any more.
func Example() {
	loop, err := cev.NewLoop(cev.WithBackend(cev.EVBACKEND_EPOLL))
	if err != nil {
		panic(err)
	}
	defer loop.Destroy()

	ticks := 0
	timer, err := loop.NewTimer(0.001, 0.001, func(w *cev.Timer, revents int) {
		ticks++
		fmt.Println("tick", ticks, revents == cev.EV_TIMER)
		if ticks == 3 {
			w.Stop()
		}
	})
	if err != nil {
		panic(err)
	}
	timer.Start()
	active, _ := loop.Run(0)
	fmt.Println("active after run:", active)
	// Output:
	// tick 1 true
	// tick 2 true
	// tick 3 true
	// active after run: false
}

// Async.Send is the goroutine-safe way into a loop.
func ExampleAsync_Send() {
	loop, _ := cev.NewLoop()
	defer loop.Destroy()
	work := make(chan string, 1)
	as, _ := loop.NewAsync(func(w *cev.Async, revents int) {
		fmt.Println("woken with", <-work)
		w.Stop()
	})
	as.Start()
	go func() {
		work <- "job"
		as.Send()
	}()
	loop.Run(0)
	// Output: woken with job
}

// Bad input is an error that errors.Is can match, never a libev abort.
func ExampleLoop_NewIO() {
	loop, _ := cev.NewLoop()
	defer loop.Destroy()
	_, err := loop.NewIO(-1, cev.EV_READ, func(*cev.IO, int) {})
	fmt.Println(err)
	// Output: cev: NewIO: bad file descriptor: fd -1
}
