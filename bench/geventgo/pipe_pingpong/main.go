// Command pipe_pingpong measures one byte bounced between two greenlets of one hub over two
// cooperative pipes (fileobject.Pipe); per round trip: two writes, two reads, two io waits.
package main

import (
	"io"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/scheduler"
)

func main() {
	defer benchio.StartProfile()()
	n := benchio.N(30000)
	err := scheduler.Main(func() error {
		pingR, pongW, err := fileobject.Pipe() // echo -> ping
		if err != nil {
			return err
		}
		pongR, pingW, err := fileobject.Pipe() // ping -> echo
		if err != nil {
			return err
		}
		for _, f := range []*fileobject.File{pingR, pongW, pongR, pingW} {
			defer f.Close()
		}
		scheduler.Go(func() error {
			b := make([]byte, 1)
			for {
				if _, err := io.ReadFull(pongR, b); err != nil {
					return nil // closed at the end
				}
				if _, err := pongW.Write(b); err != nil {
					return nil
				}
			}
		})
		b := []byte{'x'}
		t0 := time.Now()
		for range n {
			if _, err := pingW.Write(b); err != nil {
				return err
			}
			if _, err := io.ReadFull(pingR, b); err != nil {
				return err
			}
		}
		benchio.Emit("pipe_pingpong", "ns/op", benchio.PerOp(time.Since(t0), n))
		return nil
	})
	if err != nil {
		benchio.Fail(err)
	}
}
