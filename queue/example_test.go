package queue_test

import (
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func ExampleChannel() {
	_ = scheduler.Main(func() error {
		c := queue.NewChannel[int]()
		scheduler.Go(func() error { return c.Put(bg, 5) })
		v, err := c.Get(bg)
		fmt.Println(v, err)
		return nil
	})
	// Output: 5 <nil>
}

func ExampleQueue() {
	_ = scheduler.Main(func() error {
		q := queue.New[string](1)
		consumer := scheduler.Go(func() error {
			for v, err := range q.All(bg) {
				if err != nil {
					return err // a Kill, an outer Timeout: not the end of the queue
				}
				fmt.Println("got", v)
			}
			return nil // Shutdown, once drained, ends the loop cleanly
		})
		for _, v := range []string{"a", "b", "c"} {
			_ = q.Put(bg, v)
		}
		_ = scheduler.Sleep(bg, 0)
		q.Shutdown()
		return consumer.Join(bg)
	})
	// Output:
	// got a
	// got b
	// got c
}

// A JoinableQueue counts the items put and not yet marked done; Join waits until every item
// was handled.
func ExampleJoinableQueue() {
	_ = scheduler.Main(func() error {
		q := queue.NewJoinable[int](0)
		for i := 1; i <= 3; i++ {
			_ = q.Put(bg, i)
		}
		worker := scheduler.Go(func() error {
			for {
				v, err := q.Get(bg)
				if err != nil {
					return err
				}
				fmt.Println("handled", v)
				if err := q.TaskDone(); err != nil {
					return err
				}
			}
		})
		err := q.Join(bg)
		fmt.Println("all done:", err, q.Unfinished())
		return worker.Kill(bg, nil)
	})
	// Output:
	// handled 1
	// handled 2
	// handled 3
	// all done: <nil> 0
}

// A priority queue gives the smallest item first; TryGet never waits and says ErrEmpty.
func ExampleNewPriority() {
	_ = scheduler.Main(func() error {
		q := queue.NewPriority[int](0)
		for _, v := range []int{3, 1, 2} {
			_ = q.TryPut(v)
		}
		for {
			v, err := q.TryGet()
			if errors.Is(err, queue.ErrEmpty) {
				return nil
			}
			fmt.Println(v)
		}
	})
	// Output:
	// 1
	// 2
	// 3
}

// SetMaxSize is gevent's assignment to maxsize: growing the size lets the greenlets waiting in Put
// in, in the order they came; shrinking it keeps the items and Put waits until Gets make room.
func ExampleQueue_SetMaxSize() {
	_ = scheduler.Main(func() error {
		q := queue.New[string](1)
		_ = q.Put(bg, "a")
		for _, v := range []string{"b", "c"} {
			scheduler.Go(func() error {
				err := q.Put(bg, v)
				fmt.Println("put", v)
				return err
			})
		}
		_ = scheduler.Sleep(bg, 0)
		fmt.Println("waiting:", q.Putters())
		_ = q.SetMaxSize(3)
		_ = scheduler.Sleep(bg, 0)
		fmt.Println("len:", q.Len(), "full:", q.Full())
		_ = q.SetMaxSize(1)
		fmt.Println("len:", q.Len(), "full:", q.Full(), q.TryPut("d"))
		return nil
	})
	// Output:
	// waiting: 2
	// put b
	// put c
	// len: 3 full: true
	// len: 3 full: true queue: Queue.TryPut: queue full
}
