package scheduler

import (
	"cmp"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two hubs start the same greenlet, made by New outside any hub, at once:
// one binds it and runs it, the other is refused as for a greenlet of
// another hub, and a plain goroutine asking for its name and hub
// meanwhile reads no half-made binding. Before, both bound it with plain
// writes: -race reported it, and both could start it.
func TestStartFromTwoHubsAtOnce(t *testing.T) {
	for i := range 20 {
		g := New(func() (int, error) { return 7, nil })
		r := startFromTwoHubs(t, g)
		require.NoError(t, r.odd, "round %d: read from a plain goroutine", i)
		won := 0
		for j, err := range r.errs {
			if err == nil {
				won++
				assert.Equal(t, 7, r.vals[j], "round %d", i)
				assert.Same(t, r.hubs[j], g.Hub(), "round %d", i)
			} else {
				assert.ErrorIs(t, err, ErrNotGreenlet, "round %d", i)
			}
		}
		require.Equal(t, 1, won, "round %d: %v", i, r.errs)
	}
}

// twoHubs is what startFromTwoHubs saw.
type twoHubs struct {
	hubs [2]*Hub
	errs [2]error // Start's, else Get's or Destroy's
	vals [2]int   // Get's
	odd  error    // what the plain goroutine read that it should not have
}

// startFromTwoHubs starts g from the main greenlets of two new hubs at
// once, each getting the result when its Start succeeds, while a plain
// goroutine reads g.
func startFromTwoHubs(t *testing.T, g *Greenlet[int]) *twoHubs {
	var r twoHubs
	gate := make(chan struct{})
	var made, wg sync.WaitGroup
	for j := range 2 {
		made.Add(1)
		wg.Go(func() {
			h, err := NewHub()
			r.hubs[j], r.errs[j] = h, err
			made.Done()
			if err != nil {
				return
			}
			<-gate
			r.errs[j] = g.Start()
			if r.errs[j] == nil {
				r.vals[j], r.errs[j] = g.Get(within(t, 10*time.Second))
			}
			if derr := h.Destroy(); derr != nil && r.errs[j] == nil {
				r.errs[j] = derr
			}
		})
	}
	made.Wait()
	wg.Go(func() {
		<-gate
		for range 100 {
			r.odd = cmp.Or(r.odd, oddRead(g, r.hubs))
			runtime.Gosched()
		}
	})
	close(gate)
	wg.Wait()
	return &r
}

// oddRead reports what a plain goroutine reads of g that is neither before
// nor after its binding to one of hubs.
func oddRead(g *Greenlet[int], hubs [2]*Hub) error {
	name, hub := g.Name(), g.Hub()
	if !strings.HasPrefix(name, "Greenlet-") || (hub != nil && hub != hubs[0] && hub != hubs[1]) {
		return fmt.Errorf("name %q, hub %p", name, hub)
	}
	return nil
}
