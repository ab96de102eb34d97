// Command greenlet_switch measures a raw greenlet switch round trip: main
// switches into a greenlet that switches straight back.
package main

import (
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/greenlet"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(3000000)
	m := greenlet.Current()
	defer m.Close()
	g := greenlet.New(func(v any) (any, error) {
		for {
			var err error
			if v, err = m.Switch(v); err != nil {
				return nil, err
			}
		}
	})
	t0 := time.Now()
	for range n {
		if _, err := g.Switch(nil); err != nil {
			benchio.Fail(err)
		}
	}
	benchio.Emit("greenlet_switch", "ns/op", benchio.PerOp(time.Since(t0), n))
}
