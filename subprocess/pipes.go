package subprocess

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/geventgo/geventgo/fileobject"
)

// ErrStarted is the cause given for a pipe asked for after the process started.
var ErrStarted = errors.New("process already started")

// ErrStreamSet is the cause given for a pipe (or Output's capture) asked for on a stream the
// Cmd already has (Stdin, Stdout or Stderr set).
var ErrStreamSet = errors.New("stream already set")

// pipes are a Cmd's cooperative pipes: the child's ends, which the child inherits and the
// parent closes as soon as the process started (a write end left open here would keep the
// reader from ever seeing EOF), and the parent's Files, which Wait closes once the process
// exited, as os/exec closes its pipes.
type pipes struct {
	child          []*os.File
	parent         []*fileobject.File
	stdin          *fileobject.File // the parent's ends by role, for Communicate
	stdout, stderr *fileobject.File
	comm           *communication // Communicate's progress, kept across calls
}

// p returns the Cmd's pipes, made on first use.
func (c *Cmd) p() *pipes {
	if c.pipes == nil {
		c.pipes = &pipes{}
	}
	return c.pipes
}

// StdinPipe returns a pipe connected to the command's standard input, as exec.Cmd.StdinPipe
// does, but cooperative: its Write parks only the calling greenlet while the child does not
// read. Close it to send EOF; Wait closes it after the process exited. It must be called
// before Start; it does not block and may be called from any goroutine (the File binds to the
// hub of the first greenlet that writes). Only greenlets of that hub may write it: as another
// command's Stdout it fails as StdoutPipe's pipe does as a Stdin (use an os.Pipe).
func (c *Cmd) StdinPipe() (*fileobject.File, error) {
	const op = "Cmd.StdinPipe"
	if err := c.check(op); err != nil {
		return nil, err
	}
	if err := c.canPipe(op, "Stdin", c.Stdin != nil); err != nil {
		return nil, err
	}
	w, child, err := c.newPipe(false, "stdin")
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	c.Stdin = child
	c.pipes.stdin = w
	return w, nil
}

// StdoutPipe returns a pipe connected to the command's standard output, as
// exec.Cmd.StdoutPipe does, but cooperative: its Read parks only the calling greenlet until the
// child writes, and returns io.EOF once the child (and everything it passed the pipe to) closed
// it. Wait closes the pipe after the process exited, so finish reading before calling Wait, as
// with os/exec. StdinPipe's other rules apply.
//
// The pipe is a *fileobject.File, not an *os.File, and only greenlets of its hub may read it:
// given as another command's Stdin (os/exec's pipeline idiom, b.Stdin = a's StdoutPipe), it is
// read by os/exec's own goroutine, whose Read fails with scheduler.ErrNotGreenlet, and b gets no
// input (b.Output returns that error). Join two commands with an os.Pipe instead: a.Stdout = w,
// b.Stdin = r, and close both in the parent once both started.
func (c *Cmd) StdoutPipe() (*fileobject.File, error) {
	const op = "Cmd.StdoutPipe"
	if err := c.check(op); err != nil {
		return nil, err
	}
	if err := c.canPipe(op, "Stdout", c.Stdout != nil); err != nil {
		return nil, err
	}
	r, child, err := c.newPipe(true, "stdout")
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	c.Stdout = child
	c.pipes.stdout = r
	return r, nil
}

// StderrPipe is StdoutPipe for the command's standard error; it is no *os.File either, so
// join it to another command with an os.Pipe, as StdoutPipe says.
func (c *Cmd) StderrPipe() (*fileobject.File, error) {
	const op = "Cmd.StderrPipe"
	if err := c.check(op); err != nil {
		return nil, err
	}
	if err := c.canPipe(op, "Stderr", c.Stderr != nil); err != nil {
		return nil, err
	}
	r, child, err := c.newPipe(true, "stderr")
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	c.Stderr = child
	c.pipes.stderr = r
	return r, nil
}

// canPipe refuses a pipe on a stream that is set already, or after the start.
func (c *Cmd) canPipe(op, stream string, set bool) error {
	if set {
		return &Error{Op: op, Err: fmt.Errorf("%s: %w", stream, ErrStreamSet)}
	}
	if c.Process != nil {
		return &Error{Op: op, Err: ErrStarted}
	}
	return nil
}

// newPipe makes a pipe whose parent end (the reading end when parentReads) is a cooperative
// File and whose other end is the child's, in blocking mode as a child expects its standard
// streams. Both ends are close-on-exec here: os/exec dups the child's end onto 0, 1 or 2.
func (c *Cmd) newPipe(parentReads bool, stream string) (*fileobject.File, *os.File, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	parentFD, childFD := fds[1], fds[0]
	if parentReads {
		parentFD, childFD = fds[0], fds[1]
	}
	child := os.NewFile(uintptr(childFD), stream+" of the child")
	parentFile := os.NewFile(uintptr(parentFD), stream+" pipe")
	parent, err := fileobject.New(parentFile)
	if err != nil {
		_ = parentFile.Close()
		_ = child.Close()
		return nil, nil, err
	}
	p := c.p()
	p.child = append(p.child, child)
	p.parent = append(p.parent, parent)
	return parent, child, nil
}

// start starts the process and closes the child's ends of the pipes in the parent; if the start
// failed, the parent's ends too. A started Cmd's pipes are the running process's: a second Start
// fails with os/exec's "already started" and closes nothing, as os/exec's. A failure comes as an
// *Error naming op, the call the caller made.
func (c *Cmd) start(op string) error {
	if c.Process != nil {
		return startError(op, c.Cmd.Start())
	}
	err := c.Cmd.Start()
	if p := c.pipes; p != nil {
		for _, f := range p.child {
			_ = f.Close()
		}
		p.child = nil
		if err != nil {
			closeFiles(p.takeParent())
		}
	}
	return startError(op, err)
}

// startError is exec.Cmd.Start's err in an *Error naming op; one that is an *Error already (the
// nil ctx CommandContext stored for Start) stays as it is.
func startError(op string, err error) error {
	if _, ok := err.(*Error); ok || err == nil {
		return err
	}
	return &Error{Op: op, Err: err}
}

// takeParent hands over the parent's ends, for closing once the process exited.
func (p *pipes) takeParent() []*fileobject.File {
	if p == nil {
		return nil
	}
	files := p.parent
	p.parent = nil
	return files
}

// closeFiles closes files from any goroutine; one closed already is no error.
func closeFiles(files []*fileobject.File) {
	for _, f := range files {
		_ = f.Close()
	}
}
