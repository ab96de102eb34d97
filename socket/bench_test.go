package socket_test

import (
	"io"
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
		for range b.N {
			if _, err := a.Write(msg); err != nil {
				return err
			}
			if _, err := io.ReadFull(a, msg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
