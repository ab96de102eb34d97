package scheduler

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is a result several words wide, so that a read torn by the hub's
// write would show.
type outcome struct {
	a, b, c int
	s       string
}

// seen is what a plain goroutine read of a greenlet once Ready said true.
type seen struct {
	value              outcome
	err, exitErr       error
	successful, dead   bool
	started            bool // Started once Ready
	readyAtOnce        bool // Ready before the first poll
	earlyValue, earlyE bool // a query answered other than "not ready" before Ready
}

// pollResult polls g from a plain goroutine until it is ready, checking on
// the way that the queries answer "not ready" (or the final result, when
// the greenlet became ready between two queries), and then reads them all.
func pollResult(g *Greenlet[outcome], want outcome, polling *atomic.Bool) seen {
	var s seen
	deadline := time.Now().Add(10 * time.Second)
	s.readyAtOnce = true
	for !g.Ready() {
		s.readyAtOnce = false
		if v := g.Value(); v != (outcome{}) && v != want {
			s.earlyValue = true
		}
		if err := g.Err(); err != nil && !g.Ready() {
			s.earlyE = true
		}
		polling.Store(true)
		if time.Now().After(deadline) {
			return s
		}
		runtime.Gosched()
	}
	s.value, s.err, s.exitErr = g.Value(), g.Err(), g.ExitErr()
	s.successful, s.dead, s.started = g.Successful(), g.Dead(), g.Started()
	return s
}

// A plain goroutine (a status page, a supervisor) may poll Ready and then
// read the result: Ready publishes it, so the reads are race-free and see
// the final values, and before Ready the queries answer "not ready". Before,
// every query read the hub's plain fields: -race reported it.
func TestResultQueriesFromAGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		want := outcome{1, 2, 3, "done"}
		errFailed := errors.New("failed")
		var polling [3]atomic.Bool
		// Each greenlet ends only once its poller saw it not ready.
		body := func(i int, v outcome, err error) func() (outcome, error) {
			return func() (outcome, error) {
				for !polling[i].Load() {
					if serr := Sleep(bg, time.Millisecond); serr != nil {
						return outcome{}, serr
					}
				}
				return v, err
			}
		}
		ok := Spawn(body(0, want, nil))
		bad := Spawn(body(1, outcome{}, errFailed))
		killed := Spawn(func() (outcome, error) {
			return outcome{}, Sleep(bg, time.Hour)
		})
		results := make(chan [3]seen, 1)
		go func() {
			var r [3]seen
			r[0] = pollResult(ok, want, &polling[0])
			r[1] = pollResult(bad, outcome{}, &polling[1])
			r[2] = pollResult(killed, outcome{}, &polling[2])
			results <- r
		}()
		pollHub(t, polling[2].Load)
		require.NoError(t, killed.KillAsync(nil))
		_, err := Wait(bg, []*Greenlet[outcome]{ok, bad, killed}, 0)
		require.NoError(t, err)
		var r [3]seen
		pollHub(t, func() bool {
			select {
			case r = <-results:
				return true
			default:
				return false
			}
		})
		for i, s := range r {
			assert.False(t, s.readyAtOnce, "greenlet %d was ready before its poller looked", i)
			assert.False(t, s.earlyValue, "greenlet %d: Value before Ready was neither zero nor final", i)
			assert.False(t, s.earlyE, "greenlet %d: Err before Ready was not nil", i)
			assert.True(t, s.dead, "greenlet %d: Dead once Ready", i)
			assert.False(t, s.started, "greenlet %d: Started once Ready", i)
		}
		assert.Equal(t, want, r[0].value)
		assert.NoError(t, r[0].err)
		assert.NoError(t, r[0].exitErr)
		assert.True(t, r[0].successful)
		assert.ErrorIs(t, r[1].err, errFailed)
		assert.False(t, r[1].successful)
		assert.Equal(t, outcome{}, r[1].value)
		assert.NoError(t, r[2].err)
		assert.ErrorIs(t, r[2].exitErr, ErrGreenletExit)
		assert.True(t, r[2].successful)
	})
}

// Started answers only its hub's greenlets: a start is recorded with a
// plain write on the spawn path, which no other goroutine can read
// race-free. From anywhere else it reports false.
func TestStartedFromAGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return Sleep(bg, time.Hour) })
		require.True(t, g.Started())
		foreign := make(chan bool, 1)
		go func() { foreign <- g.Started() || g.Dead() || g.Ready() }()
		pollHub(t, func() bool { return len(foreign) == 1 })
		assert.False(t, <-foreign)
		require.NoError(t, g.Kill(bg, nil))
	})
}

// Two hubs start the same greenlet, made by New outside any hub, at once:
// one binds it and runs it, the other is refused as for a greenlet of
// another hub, and a plain goroutine asking for its name, hub and outcome
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
	if g.Ready() && g.Value() != 7 {
		return fmt.Errorf("ready with value %d", g.Value())
	}
	return nil
}

// HasLinks, SpawningGreenlet and SpawningStack answer only their hub's
// greenlets: the hub appends and removes links on every join and drops the
// spawner when the greenlet ends, with plain writes. A plain goroutine
// asking while greenlets are joined and end gets false and nil. Before, it
// read the hub's fields: -race reported it.
func TestHubQueriesFromAGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		h.SetRecordSpawnStacks(true)
		var cur atomic.Pointer[Greenlet[struct{}]]
		var odd atomic.Value
		var stop, done atomic.Bool
		go func() {
			defer done.Store(true)
			for !stop.Load() {
				if g := cur.Load(); g != nil {
					if g.HasLinks() || g.SpawningGreenlet() != nil || g.SpawningStack() != nil {
						odd.CompareAndSwap(nil, "a query off the hub answered the hub's state")
					}
				}
				runtime.Gosched()
			}
		}()
		for range 50 {
			parent := Go(func() error {
				g := Go(func() error { return Sleep(bg, 0) })
				cur.Store(g)
				if g.SpawningGreenlet() == nil || g.SpawningStack() == nil {
					odd.CompareAndSwap(nil, "the spawner is unknown on the hub")
				}
				return g.Join(bg)
			})
			require.NoError(t, parent.Join(bg))
		}
		stop.Store(true)
		pollHub(t, done.Load)
		assert.Nil(t, odd.Load())
	})
}
