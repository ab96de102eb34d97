//go:build soak

package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// memTolerance is how far heap+stack in use may stay above the baseline
// once a soak is over and the hub destroyed: runtime caches (span classes,
// stack pools) keep a little after a burst, a leak of even one greenlet's
// stack per thousand spawned would exceed it (1M greenlets x 2 KiB / 1000).
const memTolerance = 16 << 20

const mib = 1 << 20

// warmGoroutines runs n plain goroutines at once and lets them exit. The Go
// runtime never frees a goroutine's g struct (dead ones wait on a free list
// for reuse, ~0.5 KiB each), so a burst of n greenlets, which are
// goroutines, leaves n g structs behind for good. Warming the free list to
// the soak's peak before the baseline is taken makes the baseline include
// them: what remains above it afterwards is ours.
func warmGoroutines(n int) {
	release := make(chan struct{})
	var started, exited sync.WaitGroup
	started.Add(n)
	exited.Add(n)
	for range n {
		go func() {
			defer exited.Done()
			started.Done()
			<-release
		}()
	}
	started.Wait()
	close(release)
	exited.Wait()
}

// figures is one look at the process.
type figures struct {
	inuse      uint64 // HeapInuse + StackInuse
	goroutines int
	fds        int
	watchers   int // cev watchers alive on the hub's loop (C memory), when measured there
	idle       int // idle workers the hub keeps for reuse, when measured there
}

// measure collects garbage and reads the figures a leak would move.
func measure(t *testing.T) figures {
	t.Helper()
	runtime.GC()
	runtime.GC()
	f := peek()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	f.fds = len(ents)
	return f
}

// peek reads heap+stack in use now, without a GC: the peak of a phase.
func peek() figures {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return figures{inuse: ms.HeapInuse + ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

// measureHub is measure plus what the hub holds: its cev watchers and its
// idle workers.
func measureHub(t *testing.T, h *scheduler.Hub) figures {
	t.Helper()
	f := measure(t)
	f.watchers = watchersOf(h)
	f.idle = h.IdleWorkers()
	return f
}

// peekHub is peek plus the hub's watcher count.
func peekHub(h *scheduler.Hub) figures {
	f := peek()
	f.watchers = watchersOf(h)
	return f
}

func mb(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/mib) }

// maxPooledWatchers bounds the watchers an idle hub may keep: its async
// watcher, the scheduler's two timer pools (256 timers each) and the idle
// worker pool's trim timer; anything above it after a soak is C memory that
// leaks.
const maxPooledWatchers = 1 + 2*256 + 1

// watchersOf reads how many cev watchers the hub's loop holds, from the hub.
func watchersOf(h *scheduler.Hub) int { return h.Loop().WatcherCount() }

// soakHub runs fn in scheduler.Main with errors collected; the blocking
// detector is set to 2 s because full GCs of a big heap on a loaded machine
// legitimately hold the hub for a while.
func soakHub(t *testing.T, fn func(h *scheduler.Hub) error) []error {
	t.Helper()
	var mu sync.Mutex
	var reps []error
	err := scheduler.Main(func() error {
		h := scheduler.CurrentHub()
		h.SetBlockingThreshold(2 * time.Second)
		h.SetErrorHandler(func(err error) {
			mu.Lock()
			reps = append(reps, err)
			mu.Unlock()
		})
		return fn(h)
	})
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	return reps
}

// report logs the figures in the form the bench report quotes, keeps them
// in rec for soak.md and checks they returned to the baseline.
func report(t *testing.T, rec *record, elapsed time.Duration, base, peak, during, after figures) {
	t.Helper()
	what := rec.what
	recordsMu.Lock()
	rec.elapsed, rec.base, rec.peak, rec.during, rec.after, rec.measured = elapsed, base, peak, during, after, true
	recordsMu.Unlock()
	t.Logf("soak: %s: peak %s, after %s, baseline %s (hub alive after the work: %s, %d idle workers pooled), goroutines before/after %d/%d (peak %d), fds before/after %d/%d, cev watchers peak/after the work %d/%d",
		what, mb(peak.inuse), mb(after.inuse), mb(base.inuse), mb(during.inuse), during.idle,
		base.goroutines, after.goroutines, peak.goroutines, base.fds, after.fds, peak.watchers, during.watchers)
	assert.LessOrEqual(t, during.watchers, maxPooledWatchers, "cev watchers (C memory) back to what the hub pools")
	assert.LessOrEqual(t, after.inuse, base.inuse+memTolerance, "heap+stack back within %s of the baseline", mb(memTolerance))
	assert.Equal(t, base.goroutines, after.goroutines, "goroutines back to the baseline")
	assert.Equal(t, base.fds, after.fds, "fds back to the baseline")
}

func maxFigures(a, b figures) figures {
	if b.inuse > a.inuse {
		a.inuse = b.inuse
	}
	a.goroutines = max(a.goroutines, b.goroutines)
	a.watchers = max(a.watchers, b.watchers)
	return a
}

// TestSoakGreenletWaves spawns and joins a million greenlets in 100 waves of
// 10k; every greenlet suspends once (Sleep(0)) so that a whole wave holds
// coroutines at the same time.
func TestSoakGreenletWaves(t *testing.T) {
	const waves, perWave = 100, 10_000
	rec := begin(t, "1M greenlets in 100 waves", "100 waves x 10k greenlets, each suspends once")
	before := goleak.IgnoreCurrent()
	warmGoroutines(perWave + 100)
	base := measure(t)
	var peak, during figures
	start := time.Now()
	reps := soakHub(t, func(h *scheduler.Hub) error {
		gs := make([]*scheduler.Greenlet[int], perWave)
		for w := range waves {
			for i := range gs {
				gs[i] = scheduler.Spawn(func() (int, error) {
					if err := scheduler.Sleep(bg, 0); err != nil {
						return 0, err
					}
					return i, nil
				})
			}
			// Main's Sleep(0) resumes after every greenlet of the wave
			// reached its own Sleep(0): the wave is fully suspended.
			if err := scheduler.Sleep(bg, 0); err != nil {
				return err
			}
			if got := h.Stats().LiveGreenlets; got != perWave {
				return fmt.Errorf("wave %d: %d live greenlets, want %d", w, got, perWave)
			}
			if w%10 == 0 {
				peak = maxFigures(peak, peekHub(h))
			}
			done, err := scheduler.JoinAll(bg, gs)
			if err != nil {
				return fmt.Errorf("wave %d: %w", w, err)
			}
			if len(done) != perWave {
				return fmt.Errorf("wave %d: %d joined, want %d", w, len(done), perWave)
			}
			sum := 0
			for _, g := range gs {
				sum += g.Value()
			}
			if sum != perWave*(perWave-1)/2 {
				return fmt.Errorf("wave %d: results lost: sum %d", w, sum)
			}
		}
		if got := h.Stats().LiveGreenlets; got != 0 {
			return fmt.Errorf("%d greenlets still live", got)
		}
		gs = nil // what the hub keeps, not what the test holds
		during = measureHub(t, h)
		return nil
	})
	elapsed := time.Since(start)
	assert.Empty(t, reps)
	goleak.VerifyNone(t, before)
	after := measure(t)
	perOp := float64(elapsed.Nanoseconds()) / 1e3 / (waves * perWave)
	t.Logf("soak: 1M greenlets in %d waves of %d took %v (%.2f µs per spawn+switch+join)", waves, perWave, elapsed.Round(time.Millisecond), perOp)
	rec.note("%.2f µs per greenlet spawned, suspended once and joined, hub start and stop included", perOp)
	report(t, rec, elapsed, base, peak, during, after)
}

// TestSoakTimers runs 100k timers three ways: 100k greenlets sleeping at
// once on staggered deadlines, 100k Timeouts started and cancelled, and 100k
// Timeouts that fire.
func TestSoakTimers(t *testing.T) {
	const n = 100_000
	rec := begin(t, "100k timers x3", "100k concurrent sleeps, 100k Timeouts started and cancelled, 100k Timeouts that fire")
	before := goleak.IgnoreCurrent()
	warmGoroutines(n + 100)
	base := measure(t)
	var peak, during figures
	start := time.Now()
	reps := soakHub(t, func(h *scheduler.Hub) error {
		// 1. 100k concurrent sleeps, deadlines spread over 200 ms. The
		// greenlets wait for a gate first, so that all 100k timers are
		// armed at once however long spawning takes.
		early := 0
		woke := 0
		var gate event.Event
		gs := make([]*scheduler.Greenlet[struct{}], n)
		for i := range gs {
			d := time.Duration(i%200+1) * time.Millisecond
			gs[i] = scheduler.Go(func() error {
				if err := gate.Wait(bg); err != nil {
					return err
				}
				t0 := time.Now()
				if err := scheduler.Sleep(bg, d); err != nil {
					return err
				}
				// libev's clock granularity allows a wake up to 1 ms
				// early against Go's monotonic clock.
				if time.Since(t0) < d-time.Millisecond {
					early++
				}
				woke++
				return nil
			})
		}
		if err := scheduler.Sleep(bg, 0); err != nil {
			return err
		}
		gate.Set()
		// Main's Sleep(0) resumes after the gate's notify callback woke
		// every greenlet into its Sleep: 100k timers are active now.
		if err := scheduler.Sleep(bg, 0); err != nil {
			return err
		}
		if woke != 0 {
			return fmt.Errorf("%d sleeps ended before all were armed", woke)
		}
		peak = maxFigures(peak, peekHub(h))
		if _, err := scheduler.JoinAll(bg, gs); err != nil {
			return err
		}
		if woke != n || early != 0 {
			return fmt.Errorf("sleeps: %d woke (want %d), %d early", woke, n, early)
		}

		// 2. 100k Timeouts started and cancelled (the timer pool churns).
		for range n {
			tm, err := scheduler.StartTimeout(time.Hour)
			if err != nil {
				return err
			}
			if !tm.Pending() {
				return errors.New("timeout not pending after start")
			}
			tm.Cancel()
		}

		// 3. 100k Timeouts that fire, each in its own greenlet, all armed
		// at once behind a gate.
		fired := 0
		var gate2 event.Event
		for i := range gs {
			d := time.Duration(i%50+1) * time.Millisecond
			gs[i] = scheduler.Go(func() error {
				if err := gate2.Wait(bg); err != nil {
					return err
				}
				_, err := scheduler.WithTimeout(d, func() (struct{}, error) {
					return struct{}{}, scheduler.Sleep(bg, time.Hour)
				})
				if errors.Is(err, scheduler.ErrTimeout) {
					fired++
					return nil
				}
				return fmt.Errorf("want a timeout, got %v", err)
			})
		}
		if err := scheduler.Sleep(bg, 0); err != nil {
			return err
		}
		gate2.Set()
		if err := scheduler.Sleep(bg, 0); err != nil {
			return err
		}
		peak = maxFigures(peak, peekHub(h))
		if _, err := scheduler.JoinAll(bg, gs); err != nil {
			return err
		}
		if fired != n {
			return fmt.Errorf("%d timeouts fired, want %d", fired, n)
		}
		gs = nil // what the hub keeps, not what the test holds
		during = measureHub(t, h)
		return nil
	})
	elapsed := time.Since(start)
	assert.Empty(t, reps)
	goleak.VerifyNone(t, before)
	after := measure(t)
	t.Logf("soak: 100k timers x3 (concurrent sleeps, start+cancel, firing Timeouts) took %v", elapsed.Round(time.Millisecond))
	report(t, rec, elapsed, base, peak, during, after)
}

// TestSoakConnections opens, uses and closes 10k TCP connections over
// loopback against a StreamServer, 500 at a time.
func TestSoakConnections(t *testing.T) {
	const total, concurrent = 10_000, 500
	rec := begin(t, "10k connections", "10k loopback TCP echo connections against a StreamServer, 500 at a time")
	before := goleak.IgnoreCurrent()
	warmGoroutines(2*concurrent + 100)
	base := measure(t)
	var peak, during figures
	overflows := listenOverflows()
	start := time.Now()
	reps := soakHub(t, func(h *scheduler.Hub) error {
		srv, err := server.Listen("tcp", "127.0.0.1:0", func(c *socket.Conn) error {
			defer c.Close()
			buf := make([]byte, 5)
			if _, err := io.ReadFull(c, buf); err != nil {
				return err
			}
			_, err := c.Write(buf)
			return err
		}, server.Options{})
		if err != nil {
			return err
		}
		if err := srv.Start(); err != nil {
			return err
		}
		addr := srv.Addr().String()
		echoed := 0
		for batch := range total / concurrent {
			gs := make([]*scheduler.Greenlet[struct{}], concurrent)
			for i := range gs {
				gs[i] = scheduler.Go(func() error {
					c, err := socket.Dial("tcp", addr)
					if err != nil {
						return err
					}
					defer c.Close()
					if _, err := c.Write([]byte("ping\n")); err != nil {
						return err
					}
					buf := make([]byte, 5)
					if _, err := io.ReadFull(c, buf); err != nil {
						return err
					}
					if string(buf) != "ping\n" {
						return fmt.Errorf("echo %q", buf)
					}
					echoed++
					return nil
				})
			}
			if batch%5 == 0 {
				if err := scheduler.Sleep(bg, time.Millisecond); err != nil {
					return err
				}
				peak = maxFigures(peak, peekHub(h))
			}
			if _, err := scheduler.JoinAll(bg, gs); err != nil {
				return fmt.Errorf("batch %d: %w", batch, err)
			}
		}
		stopCtx, cancel := context.WithTimeout(bg, time.Second)
		err = srv.Shutdown(stopCtx)
		cancel()
		if err != nil {
			return err
		}
		if echoed != total {
			return fmt.Errorf("%d connections echoed, want %d", echoed, total)
		}
		during = measureHub(t, h)
		return nil
	})
	elapsed := time.Since(start)
	if overflows >= 0 {
		if now := listenOverflows(); now >= 0 {
			t.Logf("soak: kernel ListenOverflows +%d during the connections soak (each a 1 s SYN retransmit for a client)", now-overflows)
			rec.note("kernel ListenOverflows (accept queue full, SYN dropped, system-wide) +%d during the soak, each a 1 s SYN retransmit for a client; the listener's backlog is socket.ListenConfig's default, the machine's net.core.somaxconn, against %d connects in flight", now-overflows, concurrent)
		}
	}
	assert.Empty(t, reps)
	goleak.VerifyNone(t, before)
	after := measure(t)
	t.Logf("soak: 10k connections (%d at a time) took %v; fds while the hub lived %d", concurrent, elapsed.Round(time.Millisecond), during.fds)
	rec.note("fds while the hub lived (listener closed, work over): %d", during.fds)
	report(t, rec, elapsed, base, peak, during, after)
}
