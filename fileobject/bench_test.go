package fileobject_test

import (
	"io"
	"testing"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/scheduler"
)

// BenchmarkPipePingPong is one 64-byte round trip between two greenlets of one hub over two
// pipes: two writes, two reads, two io waits (socket's BenchmarkSocketpairPingPong over pipes).
func BenchmarkPipePingPong(b *testing.B) {
	err := scheduler.Main(func() error {
		ar, bw, err := fileobject.Pipe() // b -> a
		if err != nil {
			return err
		}
		br, aw, err := fileobject.Pipe() // a -> b
		if err != nil {
			return err
		}
		for _, f := range []*fileobject.File{ar, bw, br, aw} {
			defer f.Close()
		}
		scheduler.Go(func() error {
			buf := make([]byte, 64)
			for {
				if _, err := io.ReadFull(br, buf); err != nil {
					return nil
				}
				if _, err := bw.Write(buf); err != nil {
					return nil
				}
			}
		})
		msg := make([]byte, 64)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := aw.Write(msg); err != nil {
				return err
			}
			if _, err := io.ReadFull(ar, msg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
