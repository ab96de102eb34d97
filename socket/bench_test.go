package socket_test

import (
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// BenchmarkSocketpairPingPong is one 64-byte round trip between two greenlets of one hub over a
// Unix socketpair: two writes, two reads, two io waits.
func BenchmarkSocketpairPingPong(b *testing.B) {
	err := scheduler.Main(func() error {
		a, c, err := socket.Socketpair()
		if err != nil {
			return err
		}
		defer a.Close()
		defer c.Close()
		scheduler.Go(func() error {
			buf := make([]byte, 64)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return nil
				}
				if _, err := c.Write(buf); err != nil {
					return nil
				}
			}
		})
		msg := make([]byte, 64)
		b.ReportAllocs()
		b.ResetTimer()
		calls := runtime.NumCgoCall()
		for range b.N {
			if _, err := a.Write(msg); err != nil {
				return err
			}
			if _, err := io.ReadFull(a, msg); err != nil {
				return err
			}
		}
		b.ReportMetric(float64(runtime.NumCgoCall()-calls)/float64(b.N), "cgocalls/op")
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// echoListener accepts one TCP connection with package net and echoes 64-byte messages on it
// from a goroutine until it closes; wait waits for that goroutine.
func echoListener(b *testing.B) (addr string, wait func()) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}()
	return ln.Addr().String(), func() { <-done }
}

// pingPong makes b.N 64-byte round trips on c.
func pingPong(b *testing.B, c net.Conn) error {
	msg := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			return err
		}
	}
	b.StopTimer()
	return nil
}

// BenchmarkPingPong is one 64-byte request/response over TCP loopback against an echo peer
// that is package net's socket on a goroutine, with the requesting end
//   - Net: package net's socket on a goroutine (the baseline);
//   - Shared: a shared socket on a goroutine, its hub running on another;
//   - Greenlet: a hub-affine socket in the main greenlet of a hub.
func BenchmarkPingPong(b *testing.B) {
	b.Run("Net", func(b *testing.B) {
		addr, wait := echoListener(b)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		err = pingPong(b, c)
		c.Close()
		wait()
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("Shared", func(b *testing.B) {
		addr, wait := echoListener(b)
		hc := make(chan *scheduler.Hub, 1)
		stop := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- scheduler.Main(func() error {
				hc <- scheduler.CurrentHub()
				_, err := scheduler.RunBlocking(bg, func() (struct{}, error) { <-stop; return struct{}{}, nil })
				return err
			})
		}()
		d := socket.Dialer{Hub: <-hc}
		c, err := d.Dial("tcp", addr)
		if err == nil {
			err = pingPong(b, c)
			c.Close()
		}
		wait()
		close(stop)
		if herr := <-done; err == nil {
			err = herr
		}
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("Greenlet", func(b *testing.B) {
		addr, wait := echoListener(b)
		err := scheduler.Main(func() error {
			c, err := socket.Dial("tcp", addr)
			if err != nil {
				return err
			}
			defer c.Close()
			return pingPong(b, c)
		})
		wait()
		if err != nil {
			b.Fatal(err)
		}
	})
}
