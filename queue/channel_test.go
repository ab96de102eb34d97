package queue_test

import (
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
