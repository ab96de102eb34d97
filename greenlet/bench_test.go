package greenlet

import (
	"iter"
	"testing"
)

// BenchmarkSwitchRoundTrip measures main -> child -> main: two switches.
func BenchmarkSwitchRoundTrip(b *testing.B) {
	m := Current()
	defer m.Close()
	g := New(func(v any) (any, error) {
		for {
			if _, err := m.Switch(v); err != nil {
				return nil, err
			}
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := g.Switch(1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSwitchRoundTripHub measures hub -> child -> hub where the hub is
// itself a greenlet under main, as a scheduler's hub is.
func BenchmarkSwitchRoundTripHub(b *testing.B) {
	m := Current()
	defer m.Close()
	var hub *Greenlet
	hub = New(func(any) (any, error) {
		g, _ := NewWithParent(hub, func(v any) (any, error) {
			for {
				if _, err := hub.Switch(v); err != nil {
					return nil, err
				}
			}
		})
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := g.Switch(1); err != nil {
				return nil, err
			}
		}
		b.StopTimer()
		return nil, nil
	})
	b.ReportAllocs()
	if _, err := hub.Switch(nil); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIterPullRoundTrip is the floor: one bare next/yield round trip.
func BenchmarkIterPullRoundTrip(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for yield(1) {
		}
	})
	defer stop()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next()
	}
}

// BenchmarkChannelPingPong is the goroutine alternative: one round trip over
// two unbuffered channels.
func BenchmarkChannelPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- i
		<-pong
	}
	b.StopTimer()
	close(ping)
	<-pong
}
