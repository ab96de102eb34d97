// Command mem_greenlet is the plain-Go counterpart of the memory of a
// suspended greenlet: RSS growth for 100k goroutines blocked on a channel.
package main

import (
	"runtime"
	"sync"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	n := benchio.N(100000)
	runtime.GC()
	before, err := benchio.RSS()
	if err != nil {
		benchio.Fail(err)
	}
	release := make(chan struct{})
	var parked, done sync.WaitGroup
	parked.Add(n)
	done.Add(n)
	for range n {
		go func() {
			parked.Done()
			<-release
			done.Done()
		}()
	}
	parked.Wait()
	after, err := benchio.RSS()
	if err != nil {
		benchio.Fail(err)
	}
	benchio.Emit("mem_greenlet", "B/greenlet", float64(after-before)/float64(n))
	close(release)
	done.Wait()
}
