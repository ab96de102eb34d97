package queue_test

import (
	"testing"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// BenchmarkQueueProducerConsumer: one greenlet puts b.N items into a
// Queue(100), another gets them; ns/op is per item.
func BenchmarkQueueProducerConsumer(b *testing.B) {
	run(b, func() error {
		q := queue.New[int](100)
		n := b.N
		b.ResetTimer()
		cons := scheduler.Go(func() error {
			for range n {
				if _, err := q.Get(bg); err != nil {
					return err
				}
			}
			return nil
		})
		prod := scheduler.Go(func() error {
			for i := range n {
				if err := q.Put(bg, i); err != nil {
					return err
				}
			}
			return nil
		})
		_, err := scheduler.JoinAll(bg, []*scheduler.Greenlet[struct{}]{cons, prod})
		return err
	})
}

// BenchmarkGoChannelProducerConsumer is the same over a buffered Go
// channel between two goroutines, for the ratio.
func BenchmarkGoChannelProducerConsumer(b *testing.B) {
	c := make(chan int, 100)
	done := make(chan struct{})
	n := b.N
	b.ResetTimer()
	go func() {
		for range n {
			<-c
		}
		close(done)
	}()
	for i := range n {
		c <- i
	}
	<-done
}

// BenchmarkChannelRendezvous: one Put/Get pair per op on an unbuffered
// Channel.
func BenchmarkChannelRendezvous(b *testing.B) {
	run(b, func() error {
		c := queue.NewChannel[int]()
		n := b.N
		b.ResetTimer()
		cons := scheduler.Go(func() error {
			for range n {
				if _, err := c.Get(bg); err != nil {
					return err
				}
			}
			return nil
		})
		prod := scheduler.Go(func() error {
			for i := range n {
				if err := c.Put(bg, i); err != nil {
					return err
				}
			}
			return nil
		})
		_, err := scheduler.JoinAll(bg, []*scheduler.Greenlet[struct{}]{cons, prod})
		return err
	})
}
