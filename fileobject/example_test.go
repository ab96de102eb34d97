package fileobject_test

import (
	"bufio"
	"fmt"
	"os"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/scheduler"
)

// A cooperative pipe between two greenlets: the reader waits on the hub's loop, so the writer
// (and every other greenlet) runs meanwhile.
func Example() {
	err := scheduler.Main(func() error {
		r, w, err := fileobject.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		scheduler.Go(func() error {
			defer w.Close()
			for i := range 3 {
				if _, err := fmt.Fprintf(w, "line %d\n", i); err != nil {
					return err
				}
			}
			return nil
		})
		lines := bufio.NewScanner(r)
		for lines.Scan() {
			fmt.Println("read:", lines.Text())
		}
		return lines.Err()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// read: line 0
	// read: line 1
	// read: line 2
}

// New takes over an *os.File: here the reading end of an os.Pipe, whose writer is a plain
// goroutine. Only the reading greenlet waits.
func ExampleNew() {
	pr, pw, err := os.Pipe()
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	go func() {
		defer pw.Close()
		fmt.Fprintln(pw, "from a goroutine")
	}()
	err = scheduler.Main(func() error {
		r, err := fileobject.New(pr)
		if err != nil {
			return err
		}
		defer r.Close()
		line, err := bufio.NewReader(r).ReadString('\n')
		fmt.Print(line)
		fmt.Println("threaded:", r.Threaded())
		return err
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// from a goroutine
	// threaded: false
}
