package fileobject_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

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

// A regular file goes to the thread pool and can seek: io.SeekCurrent counts from what Read
// returned, so Seek(0, io.SeekCurrent) is gevent's tell.
func ExampleFile_Seek() {
	dir, err := os.MkdirTemp("", "fileobject")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "data")
	if err := os.WriteFile(path, []byte("hello, seekable world"), 0o600); err != nil {
		fmt.Println("error:", err)
		return
	}
	err = scheduler.Main(func() error {
		of, err := os.Open(path)
		if err != nil {
			return err
		}
		f, err := fileobject.New(of)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.Seek(7, io.SeekStart); err != nil {
			return err
		}
		word := make([]byte, 8)
		if _, err := io.ReadFull(f, word); err != nil {
			return err
		}
		pos, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		fmt.Printf("%q, now at %d\n", word, pos)
		if _, err := f.Seek(-5, io.SeekEnd); err != nil {
			return err
		}
		rest, err := io.ReadAll(f)
		fmt.Printf("last 5: %q\n", rest)
		return err
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// "seekable", now at 15
	// last 5: "world"
}
