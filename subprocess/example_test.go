package subprocess_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

// Run waits for the child cooperatively: only the calling greenlet blocks,
// and the others run meanwhile; here another greenlet gives the child the
// line it waits for. The exit status comes back as an *exec.ExitError, as
// with os/exec.
func Example() {
	err := scheduler.Main(func() error {
		cmd := subprocess.Command("/bin/sh", "-c", "read line; exit 3")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		scheduler.Go(func() error {
			fmt.Println("another greenlet runs while main waits")
			if _, err := stdin.Write([]byte("go\n")); err != nil {
				return err
			}
			return stdin.Close()
		})
		err = cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return fmt.Errorf("want an exit status, got %v", err)
		}
		fmt.Println(err, "- exit code", ee.ExitCode())
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// another greenlet runs while main waits
	// exit status 3 - exit code 3
}

// Output runs the command and collects its standard output.
func ExampleCmd_Output() {
	err := scheduler.Main(func() error {
		out, err := subprocess.Command("/bin/sh", "-c", "echo hello from $0", "sh").Output()
		if err != nil {
			return err
		}
		fmt.Printf("%q\n", out)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// "hello from sh\n"
}

// WaitPid waits for a child started without os/exec, through a pidfd watched
// by the hub's loop, and reaps it.
func ExampleWaitPid() {
	err := scheduler.Main(func() error {
		p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "true"}, &os.ProcAttr{})
		if err != nil {
			return err
		}
		child := p.Pid // Release sets p.Pid to -1
		pid, status, err := subprocess.WaitPid(context.Background(), child)
		if err != nil {
			return err
		}
		// The child is reaped; Release frees the pidfd that os.Process holds
		// (os.Process.Wait would, but it is not called here).
		if err := p.Release(); err != nil {
			return err
		}
		fmt.Println("same pid:", pid == child, "exited:", status.Exited(), "status:", status.ExitStatus())
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// same pid: true exited: true status: 0
}

// Two commands joined as a shell's a | b: an os.Pipe carries a's output to b,
// the parent out of the way (StdoutPipe's cooperative pipe is read only by
// greenlets, not by os/exec's goroutine, so it cannot be b's Stdin). The
// parent closes its copy of the write end once a started, so that b sees EOF
// when a exits.
func ExampleCmd_StdoutPipe_pipeline() {
	err := scheduler.Main(func() error {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		a := subprocess.Command("echo", "shout")
		b := subprocess.Command("tr", "a-z", "A-Z")
		a.Stdout, b.Stdin = w, r
		err = a.Start()
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		got, err := b.Output()
		if err := errors.Join(err, a.Wait()); err != nil {
			return err
		}
		fmt.Printf("%q\n", got)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// "SHOUT\n"
}
