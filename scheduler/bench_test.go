package scheduler

import (
	"sync"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
)

// benchHub runs fn with a fresh hub and destroys it afterwards.
func benchHub(b *testing.B, fn func(h *Hub)) {
	b.Helper()
	h, err := NewHub()
	if err != nil {
		b.Fatal(err)
	}
	h.SetBlockingThreshold(0)
	fn(h)
	if err := h.Destroy(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSpawnJoin: spawn one greenlet and join it, per op.
func BenchmarkSpawnJoin(b *testing.B) {
	benchHub(b, func(h *Hub) {
		fn := func() (int, error) { return 1, nil }
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			g := Spawn(fn)
			if err := g.Join(bg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSpawnJoinBatch: spawn 100 greenlets then join them all; ns/op
// is per greenlet.
func BenchmarkSpawnJoinBatch(b *testing.B) {
	benchHub(b, func(h *Hub) {
		fn := func() (int, error) { return 1, nil }
		gs := make([]*Greenlet[int], 100)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i += len(gs) {
			for j := range gs {
				gs[j] = Spawn(fn)
			}
			for _, g := range gs {
				if err := g.Join(bg); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkGoroutineWaitGroup is the plain Go reference for spawn+join.
func BenchmarkGoroutineWaitGroup(b *testing.B) {
	var wg sync.WaitGroup
	b.ReportAllocs()
	for range b.N {
		wg.Add(1)
		go func() { wg.Done() }()
		wg.Wait()
	}
}

// BenchmarkGoroutineWaitGroupBatch: 100 goroutines then one Wait; per
// goroutine.
func BenchmarkGoroutineWaitGroupBatch(b *testing.B) {
	var wg sync.WaitGroup
	b.ReportAllocs()
	for i := 0; i < b.N; i += 100 {
		for range 100 {
			wg.Add(1)
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
}

// BenchmarkSleep0RoundRobin: 1000 greenlets each doing Sleep(bg, 0) in turn;
// ns/op is per Sleep(bg, 0).
func BenchmarkSleep0RoundRobin(b *testing.B) {
	benchHub(b, func(h *Hub) {
		const n = 1000
		rounds := b.N/n + 1
		gs := make([]*Greenlet[struct{}], n)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range gs {
			gs[i] = Go(func() error {
				for range rounds {
					if err := Sleep(bg, 0); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if _, err := JoinAll(bg, gs); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkTimerWake: a greenlet woken by a zero-delay timer, per op.
func BenchmarkTimerWake(b *testing.B) {
	benchHub(b, func(h *Hub) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := Sleep(bg, time.Nanosecond); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRunCallback: queue and run callbacks; ns/op per callback.
func BenchmarkRunCallback(b *testing.B) {
	benchHub(b, func(h *Hub) {
		n := 0
		fn := func() { n++ }
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i += 1000 {
			for range 1000 {
				h.RunCallback(fn)
			}
			if err := Sleep(bg, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHubRoundTrip: main -> hub -> main through a waiter switched by a
// callback, the core of every wake-up.
func BenchmarkHubRoundTrip(b *testing.B) {
	benchHub(b, func(h *Hub) {
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := Sleep(bg, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRunBlocking: a greenlet hands a trivial function to a goroutine
// and waits for its result; the goroutine posts it back to the hub.
func BenchmarkRunBlocking(b *testing.B) {
	benchHub(b, func(h *Hub) {
		fn := func() (int, error) { return 1, nil }
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := RunBlocking(bg, fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCevTimerChain is the reference for BenchmarkTimerWake without
// greenlets: a zero-delay cev timer restarted from its own callback, one
// Run(EVRUN_ONCE) per fire.
func BenchmarkCevTimerChain(b *testing.B) {
	benchHub(b, func(h *Hub) {
		n := 0
		tm, err := h.loop.NewTimer(0, 0, func(t *cev.Timer, _ int) {
			n++
			_ = t.Start()
		})
		if err != nil {
			b.Fatal(err)
		}
		defer tm.Close()
		_ = tm.Start()
		b.ReportAllocs()
		b.ResetTimer()
		for n < b.N {
			if _, err := h.loop.Run(cev.EVRUN_ONCE); err != nil {
				b.Fatal(err)
			}
		}
		_ = tm.Stop()
	})
}

// BenchmarkTimerWakeZero: a greenlet woken by a 0-delay timer (not the
// Sleep(bg, 0) yield, which is a callback), per op.
func BenchmarkTimerWakeZero(b *testing.B) {
	benchHub(b, func(h *Hub) {
		k := NewWaker()
		tm, err := h.loop.NewTimer(0, 0, func(_ *cev.Timer, rev int) { k.Fire(rev) })
		if err != nil {
			b.Fatal(err)
		}
		defer tm.Close()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := h.Wait(bg, tm, k, "timer"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSpawnBurst: spawn 10k greenlets that each Sleep(bg, 0) once, so all
// of them are alive at the same time, then join them all; ns/op is per
// greenlet. Past the idle pool's capacity every greenlet of a burst needs a
// fresh coroutine.
func BenchmarkSpawnBurst(b *testing.B) {
	benchHub(b, func(h *Hub) {
		const n = 10_000
		fn := func() (int, error) { return 1, Sleep(bg, 0) }
		gs := make([]*Greenlet[int], n)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i += n {
			for j := range gs {
				gs[j] = Spawn(fn)
			}
			for _, g := range gs {
				if err := g.Join(bg); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
