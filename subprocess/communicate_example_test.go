package subprocess_test

import (
	"context"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

// Communicate feeds the child's standard input and collects its standard output and error at
// once, in greenlets of their own, bounded by a context (gevent's communicate(timeout=...)).
func ExampleCmd_Communicate() {
	err := scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := subprocess.Command("/bin/sh", "-c", "tr a-z A-Z; echo done >&2")
		stdout, stderr, err := c.Communicate(ctx, []byte("shout\n"))
		if err != nil {
			return err
		}
		fmt.Printf("stdout %q, stderr %q\n", stdout, stderr)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// stdout "SHOUT\n", stderr "done\n"
}

// StdoutPipe returns a cooperative reader: reading it parks only the calling greenlet.
func ExampleCmd_StdoutPipe() {
	err := scheduler.Main(func() error {
		c := subprocess.Command("echo", "through a pipe")
		out, err := c.StdoutPipe()
		if err != nil {
			return err
		}
		if err := c.Start(); err != nil {
			return err
		}
		b := make([]byte, 64)
		n, err := out.Read(b)
		if err != nil {
			return err
		}
		fmt.Print(string(b[:n]))
		return c.Wait() // after the reads: Wait closes the pipe
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// through a pipe
}
