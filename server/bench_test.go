package server_test

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

const (
	benchConns = 50
	benchMsg   = 64
)

func echoHandler(c *socket.Conn) error {
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return nil
		}
	}
}

// serveHubs runs the echo server on n hubs (goroutines) with SO_REUSEPORT when n > 1 and
// returns the address and a stop function.
func serveHubs(b *testing.B, n int) (string, func()) {
	addrs := make(chan string, n)
	stops := make([]chan struct{}, n)
	var wg sync.WaitGroup
	addr := "127.0.0.1:0"
	for i := range n {
		stops[i] = make(chan struct{})
		wg.Go(func() {
			err := scheduler.Main(func() error {
				s, err := server.Listen("tcp", addr, echoHandler,
					server.Options{ListenConfig: socket.ListenConfig{ReusePort: n > 1}})
				if err != nil {
					return err
				}
				if err := s.Start(); err != nil {
					return err
				}
				addrs <- s.Addr().String()
				// Close from the hub when the benchmark is done: a goroutine closes the channel,
				// a greenlet polls it cheaply.
				for {
					select {
					case <-stops[i]:
						return s.Close()
					default:
					}
					if err := scheduler.Sleep(context.Background(), 10*time.Millisecond); err != nil {
						return err
					}
				}
			})
			if err != nil {
				b.Error(err)
			}
		})
		addr = <-addrs
	}
	return addr, func() {
		for _, s := range stops {
			close(s)
		}
		wg.Wait()
	}
}

// runClients drives b.N request/response round trips of benchMsg bytes over benchConns
// connections from greenlets of one client hub.
func runClients(b *testing.B, addr string) {
	var left atomic.Int64
	left.Store(int64(b.N))
	var lat []time.Duration
	err := scheduler.Main(func() error {
		var gs []*scheduler.Greenlet[struct{}]
		for range benchConns {
			c, err := socket.Dial("tcp", addr)
			if err != nil {
				return err
			}
			gs = append(gs, scheduler.Go(func() error {
				defer c.Close()
				msg := make([]byte, benchMsg)
				buf := make([]byte, benchMsg)
				for left.Add(-1) >= 0 {
					t0 := time.Now()
					if _, err := c.Write(msg); err != nil {
						return err
					}
					if _, err := io.ReadFull(c, buf); err != nil {
						return err
					}
					lat = append(lat, time.Since(t0))
				}
				return nil
			}))
		}
		_, err := scheduler.JoinAll(context.Background(), gs)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	// p99 by partial sort would be cheaper; the benchmark's timer is stopped here.
	sorted := append([]time.Duration(nil), lat...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
		if i > 20000 {
			sorted = sorted[:i]
			break
		}
	}
	b.ReportMetric(float64(sorted[len(sorted)*99/100].Microseconds()), "p99-µs")
}

func benchEcho(b *testing.B, hubs int) {
	addr, stop := serveHubs(b, hubs)
	defer stop()
	b.ResetTimer()
	start := time.Now()
	runClients(b, addr)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkEcho50Conns is an echo over loopback with 50 connections and 64-byte messages, one
// server hub; the client hub runs in the same process on its own goroutine.
func BenchmarkEcho50Conns(b *testing.B) { benchEcho(b, 1) }

// BenchmarkEcho50ConnsReusePort2Hubs is the same served by two hubs (one per core) sharing the
// port through SO_REUSEPORT.
func BenchmarkEcho50ConnsReusePort2Hubs(b *testing.B) { benchEcho(b, 2) }
