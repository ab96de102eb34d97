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
			if err := greenletWave(h, w, gs, &peak); err != nil {
				return err
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

// greenletWave is wave w of TestSoakGreenletWaves: len(gs) greenlets that
// each suspend once, all suspended at the same time, then joined with their
// results checked; every tenth wave updates peak.
func greenletWave(h *scheduler.Hub, w int, gs []*scheduler.Greenlet[int], peak *figures) error {
	for i := range gs {
		gs[i] = scheduler.Spawn(func() (int, error) {
			if err := scheduler.Sleep(bg, 0); err != nil {
				return 0, err
			}
			return i, nil
		})
	}
	// Main's Sleep(0) resumes after every greenlet of the wave reached its
	// own Sleep(0): the wave is fully suspended.
	if err := scheduler.Sleep(bg, 0); err != nil {
		return err
	}
	if got := h.Stats().LiveGreenlets; got != len(gs) {
		return fmt.Errorf("wave %d: %d live greenlets, want %d", w, got, len(gs))
	}
	if w%10 == 0 {
		*peak = maxFigures(*peak, peekHub(h))
	}
	done, err := scheduler.JoinAll(bg, gs)
	if err != nil {
		return fmt.Errorf("wave %d: %w", w, err)
	}
	if len(done) != len(gs) {
		return fmt.Errorf("wave %d: %d joined, want %d", w, len(done), len(gs))
	}
	sum := 0
	for _, g := range gs {
		sum += g.Value()
	}
	if sum != len(gs)*(len(gs)-1)/2 {
		return fmt.Errorf("wave %d: results lost: sum %d", w, sum)
	}
	return nil
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
		gs := make([]*scheduler.Greenlet[struct{}], n)
		if err := concurrentSleeps(h, gs, &peak); err != nil {
			return err
		}
		if err := startAndCancelTimeouts(n); err != nil {
			return err
		}
		if err := firingTimeouts(h, gs, &peak); err != nil {
			return err
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

// releaseAll lets the greenlets spawned behind gate run up to it, opens it,
// and returns once the gate's notify callback woke every one of them into
// the wait that follows it (Main's second Sleep(0) resumes after it).
func releaseAll(gate *event.Event) error {
	if err := scheduler.Sleep(bg, 0); err != nil {
		return err
	}
	gate.Set()
	return scheduler.Sleep(bg, 0)
}

// concurrentSleeps is TestSoakTimers' first part: len(gs) greenlets
// sleeping at once, deadlines spread over 200 ms. They wait for a gate
// first, so that all the timers are armed at once however long spawning
// takes; none may wake early.
func concurrentSleeps(h *scheduler.Hub, gs []*scheduler.Greenlet[struct{}], peak *figures) error {
	early, woke := 0, 0
	var gate event.Event
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
			// libev's clock granularity allows a wake up to 1 ms early
			// against Go's monotonic clock.
			if time.Since(t0) < d-time.Millisecond {
				early++
			}
			woke++
			return nil
		})
	}
	// Every timer is active once this returns.
	if err := releaseAll(&gate); err != nil {
		return err
	}
	if woke != 0 {
		return fmt.Errorf("%d sleeps ended before all were armed", woke)
	}
	*peak = maxFigures(*peak, peekHub(h))
	if _, err := scheduler.JoinAll(bg, gs); err != nil {
		return err
	}
	if woke != len(gs) || early != 0 {
		return fmt.Errorf("sleeps: %d woke (want %d), %d early", woke, len(gs), early)
	}
	return nil
}

// startAndCancelTimeouts is TestSoakTimers' second part: n Timeouts started
// and cancelled (the timer pool churns).
func startAndCancelTimeouts(n int) error {
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
	return nil
}

// firingTimeouts is TestSoakTimers' third part: len(gs) Timeouts that fire,
// each in its own greenlet, all armed at once behind a gate.
func firingTimeouts(h *scheduler.Hub, gs []*scheduler.Greenlet[struct{}], peak *figures) error {
	fired := 0
	var gate event.Event
	for i := range gs {
		d := time.Duration(i%50+1) * time.Millisecond
		gs[i] = scheduler.Go(func() error {
			if err := gate.Wait(bg); err != nil {
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
	if err := releaseAll(&gate); err != nil {
		return err
	}
	*peak = maxFigures(*peak, peekHub(h))
	if _, err := scheduler.JoinAll(bg, gs); err != nil {
		return err
	}
	if fired != len(gs) {
		return fmt.Errorf("%d timeouts fired, want %d", fired, len(gs))
	}
	return nil
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
		srv, err := startEchoServer()
		if err != nil {
			return err
		}
		addr := srv.Addr().String()
		echoed := 0
		for batch := range total / concurrent {
			if err := connectionBatch(h, addr, batch, concurrent, &echoed, &peak); err != nil {
				return err
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
	noteListenOverflows(t, rec, overflows, concurrent)
	assert.Empty(t, reps)
	goleak.VerifyNone(t, before)
	after := measure(t)
	t.Logf("soak: 10k connections (%d at a time) took %v; fds while the hub lived %d", concurrent, elapsed.Round(time.Millisecond), during.fds)
	rec.note("fds while the hub lived (listener closed, work over): %d", during.fds)
	report(t, rec, elapsed, base, peak, during, after)
}

// startEchoServer starts a StreamServer on loopback that echoes the 5 bytes
// each connection sends and closes it.
func startEchoServer() (*server.StreamServer, error) {
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
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	return srv, nil
}

// connectionBatch runs concurrent echo clients against addr at once,
// counting the echoes in echoed, and joins them; every fifth batch updates
// peak while its clients are connected.
func connectionBatch(h *scheduler.Hub, addr string, batch, concurrent int, echoed *int, peak *figures) error {
	gs := make([]*scheduler.Greenlet[struct{}], concurrent)
	for i := range gs {
		gs[i] = scheduler.Go(func() error {
			if err := pingEcho(addr); err != nil {
				return err
			}
			*echoed++
			return nil
		})
	}
	if batch%5 == 0 {
		if err := scheduler.Sleep(bg, time.Millisecond); err != nil {
			return err
		}
		*peak = maxFigures(*peak, peekHub(h))
	}
	if _, err := scheduler.JoinAll(bg, gs); err != nil {
		return fmt.Errorf("batch %d: %w", batch, err)
	}
	return nil
}

// pingEcho is one client: connect, send "ping\n", read the echo, close.
func pingEcho(addr string) error {
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
	return nil
}

// noteListenOverflows logs and records how much the kernel's ListenOverflows
// counter grew since it read before (negative: not readable here).
func noteListenOverflows(t *testing.T, rec *record, before int64, concurrent int) {
	if before < 0 {
		return
	}
	now := listenOverflows()
	if now < 0 {
		return
	}
	t.Logf("soak: kernel ListenOverflows +%d during the connections soak (each a 1 s SYN retransmit for a client)", now-before)
	rec.note("kernel ListenOverflows (accept queue full, SYN dropped, system-wide) +%d during the soak, each a 1 s SYN retransmit for a client; the listener's backlog is socket.ListenConfig's default, the machine's net.core.somaxconn, against %d connects in flight", now-before, concurrent)
}
