package subprocess

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"syscall"

	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
)

// ErrCommunicating is the cause given for input passed to a Communicate that goes on with an
// earlier one, which already has its input (Python's "Cannot send input after starting
// communication").
var ErrCommunicating = errors.New("input given again after Communicate started")

// communication is what Communicate keeps between calls: a call whose ctx ends first leaves
// the process running and everything read so far here, and the next call goes on from it.
type communication struct {
	input          []byte // what is left to write to stdin
	stdout, stderr []byte
	errKept        *headTail // not nil: stderr keeps only its ends here (Output's capture)
	inDone         bool      // stdin was written and closed
	outDone        bool      // stdout reached EOF
	errDone        bool      // stderr reached EOF
}

// Communicate is gevent's Popen.communicate with ctx for its timeout: it writes input to the
// command's standard input and closes it, reads its standard output and error until EOF, all
// at once in greenlets of their own (so a child that fills one pipe while the parent writes to
// another cannot deadlock), then waits for the process, and returns what was read and Wait's
// result (an *exec.ExitError for a non-zero exit, as Output).
//
// On a Cmd not started yet it makes the pipes itself: standard input when input is not nil and
// Stdin is unset, standard output and error when they are unset, then starts the command. On a
// started Cmd it uses the pipes StdinPipe, StdoutPipe and StderrPipe made, and closes standard
// input even without input. A stream the Cmd sends elsewhere is not read: its result is nil.
//
// When ctx ends first, Communicate returns what was read so far and an *Error naming it that
// wraps scheduler.ContextError's error, and leaves the process running (it is not killed, as in
// gevent); calling it again goes on without losing output and returns everything from the
// start, and must be given nil input. A Communicate whose greenlet is killed (even with a
// context's error, context.Canceled, as the kill's, while ctx itself has not ended) also leaves
// the process running. Either way the process is reaped once it exits, off the hub (gevent's
// child watcher reaps it), so that no zombie stays behind whether or not another call comes; its
// pipes stay open for the next Communicate, and Wait returns its exit and closes them (to end
// the process, Process.Kill and then Wait). That wait sets ProcessState: read it once a Wait or
// Communicate returned the exit (TryWait reports the exit without waiting).
// With WaitDelay set, the pipes are closed WaitDelay after the process exited if they are still
// open then (an orphan of the child holds them), and Communicate returns what was read and
// exec.ErrWaitDelay, or the exit's error if it failed, as os/exec's Wait. WaitDelay counts only
// while a Communicate reads: after one whose ctx ended or whose greenlet was killed, nothing is
// armed, and the next counts it from its own start if the process exited meanwhile, as os/exec's
// counts from the Wait that sees the exit.
// Called from a goroutine that is not a greenlet, or from the hub greenlet, it returns an error
// matching scheduler.ErrNotGreenlet and starts nothing; a nil ctx is scheduler.ErrNilArgument.
func (c *Cmd) Communicate(ctx context.Context, input []byte) (stdout, stderr []byte, err error) {
	const op = "Cmd.Communicate"
	if err := c.mayWait(op); err != nil {
		return nil, nil, err
	}
	if ctx == nil {
		return nil, nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	return c.communicate(op, ctx, input, true, nil)
}

// communicate is Communicate; without withStdin it leaves standard input to the caller, as
// Output does, and with kept a new communication keeps only the ends of standard error there.
func (c *Cmd) communicate(op string, ctx context.Context, input []byte, withStdin bool, kept *headTail) ([]byte, []byte, error) {
	cm, err := c.beginCommunication(op, input, withStdin, kept)
	if err != nil {
		return nil, nil, err
	}
	if c.WaitDelay > 0 {
		// The exit is watched during the exchange, so that an orphan of the child that holds
		// the pipes open cannot keep the reads going past WaitDelay after the exit.
		if c.exit == nil {
			c.startExit()
		}
		c.exit.closeAfterExit(c.WaitDelay)
	}
	if err := cm.exchange(ctx, c, op); err != nil && c.exit.disarm() {
		// Nothing this call armed outlives it, whatever ended it: a later Communicate counts its
		// own WaitDelay from its start, and a later Wait closes the pipes as os/exec's does.
		// (disarm fails once WaitDelay closed the pipes: that, not err, is how the call ends.)
		if c.exit == nil {
			// Whatever ended it (ctx, a kill, the end of its hub), no later call may come: have
			// the child reaped when it exits, as gevent's child watcher does; the pipes stay
			// open for one that does come, which gets the exit from the same wait.
			c.startExit()
		}
		if ctxwait.Ended(ctx, err) {
			// ctx's own error, not that of the pipe's read or write it ended.
			err = ctxError(ctx, err)
		}
		return slices.Clip(cm.stdout), slices.Clip(cm.stderr), &Error{Op: op, Err: err}
	}
	c.exit.release()
	waitErr, err := c.awaitExit(ctx, op)
	if err != nil {
		// Everything was read and standard input closed: the pipes may go once it exited.
		c.exit.closeAfterExit(0)
		return slices.Clip(cm.stdout), slices.Clip(cm.stderr), &Error{Op: op, Err: err}
	}
	if waitErr == nil && c.exit.timedOut() {
		waitErr = exec.ErrWaitDelay // as os/exec reports pipes it had to close
	}
	return cm.stdout, cm.stderr, waitErr
}

// beginCommunication returns the communication to go on with, or makes the pipes, starts the
// command and begins one.
func (c *Cmd) beginCommunication(op string, input []byte, withStdin bool, kept *headTail) (*communication, error) {
	if p := c.pipes; p != nil && p.comm != nil {
		if input != nil {
			return nil, &Error{Op: op, Err: ErrCommunicating}
		}
		return p.comm, nil
	}
	if c.Process == nil {
		if err := c.stdPipes(op, input != nil); err != nil {
			return nil, err
		}
		if err := c.start(op); err != nil {
			return nil, err
		}
	} else if input != nil && (c.pipes == nil || c.pipes.stdin == nil) {
		return nil, &Error{Op: op, Err: fmt.Errorf("input for a process started without StdinPipe: %w", ErrStarted)}
	}
	cm := &communication{input: input, inDone: !withStdin, errKept: kept}
	c.p().comm = cm
	return cm, nil
}

// stdPipes makes the pipes Communicate reads and writes on a Cmd not started yet.
func (c *Cmd) stdPipes(op string, withInput bool) error {
	if withInput && c.Stdin != nil && (c.pipes == nil || c.pipes.stdin == nil) {
		return &Error{Op: op, Err: fmt.Errorf("input with Stdin: %w", ErrStreamSet)}
	}
	if withInput && c.Stdin == nil {
		if _, err := c.StdinPipe(); err != nil {
			return err
		}
	}
	if c.Stdout == nil {
		if _, err := c.StdoutPipe(); err != nil {
			return err
		}
	}
	if c.Stderr == nil {
		if _, err := c.StderrPipe(); err != nil {
			return err
		}
	}
	return nil
}

// exchange writes the input and reads both outputs of c, each in a greenlet of its own, until all
// are done or one fails (ctx ended, an I/O error); it returns the first failure. op is the call
// (Cmd.Communicate, Cmd.Output, Cmd.CombinedOutput): the helpers are named after it and the
// stream ("Cmd.Communicate stdout (pid 1234)"), and runinfo and LoopExit's report show the caller
// waiting on it ("Cmd.Communicate (pid 1234)").
func (cm *communication) exchange(ctx context.Context, c *Cmd, op string) error {
	p := c.pipes
	var gs []*scheduler.Greenlet[error]
	spawn := func(role string, fn func() error) {
		// The error is the greenlet's value, not its failure: the hub reports no expected end.
		g := scheduler.Spawn(func() (error, error) { return fn(), nil })
		g.SetName(c.label(op, role))
		gs = append(gs, g)
	}
	if p.stdin != nil && !cm.inDone {
		spawn("stdin", func() error { return cm.write(ctx, p.stdin) })
	}
	if p.stdout != nil && !cm.outDone {
		spawn("stdout", func() error { return readAll(ctx, p.stdout, &cm.stdout, &cm.outDone) })
	}
	if p.stderr != nil && !cm.errDone && cm.errKept != nil {
		spawn("stderr", func() error { return readKept(ctx, p.stderr, cm.errKept, &cm.errDone) })
	} else if p.stderr != nil && !cm.errDone {
		spawn("stderr", func() error { return readAll(ctx, p.stderr, &cm.stderr, &cm.errDone) })
	}
	if len(gs) == 0 {
		return nil
	}
	// Each greenlet ends by itself when ctx does; the wait ends early only if the caller is
	// killed, and then takes its helpers along.
	if err := awaitAll(gs, c.label(op, "")); err != nil {
		_ = scheduler.KillAllAsync(gs, nil)
		return err
	}
	for _, g := range gs {
		if err := g.Value(); err != nil {
			return err
		}
	}
	return nil
}

// awaitAll parks the calling greenlet until every greenlet of gs finished, or it is killed
// (whose error it returns), as scheduler.Wait does for all of them; runinfo and LoopExit's
// report show it waiting on label, where scheduler.Wait's shows iwait.
func awaitAll(gs []*scheduler.Greenlet[error], label string) error {
	w := scheduler.NewWaiter(label)
	left := len(gs)
	ids := make([]scheduler.LinkID, len(gs))
	for i, g := range gs {
		ids[i] = g.Rawlink(func(scheduler.Linkable) {
			if left--; left == 0 {
				w.Switch(nil)
			}
		})
	}
	if _, err := w.Get(context.Background()); err != nil {
		for i, g := range gs {
			g.Unlink(ids[i])
		}
		return err
	}
	return nil
}

// write writes what is left of the input and closes stdin. A child that exits or closes its
// stdin without reading everything is no error (EPIPE), as in gevent.
func (cm *communication) write(ctx context.Context, stdin *fileobject.File) error {
	if len(cm.input) > 0 {
		n, err := stdin.WriteContext(ctx, cm.input)
		cm.input = cm.input[n:]
		if err != nil && !errors.Is(err, syscall.EPIPE) {
			return err
		}
	}
	cm.inDone = true
	cm.input = nil
	if err := stdin.Close(); err != nil && !errors.Is(err, fileobject.ErrClosed) {
		return err
	}
	return nil
}

// readAll appends what f yields to *buf until EOF, when it sets *done.
func readAll(ctx context.Context, f *fileobject.File, buf *[]byte, done *bool) error {
	b := *buf
	defer func() { *buf = b }()
	for {
		if cap(b)-len(b) < 512 {
			b = slices.Grow(b, 512)
		}
		n, err := f.ReadContext(ctx, b[len(b):cap(b)])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF:
			*done = true
			return nil
		case err != nil:
			return err
		}
	}
}

// output is Output (combined: CombinedOutput) on cooperative pipes: the command's output is read
// by the calling greenlet. Without combined, a standard error the Cmd does not send elsewhere
// is captured for the *exec.ExitError as os/exec does: its first and last 32 KiB.
func (c *Cmd) output(op string, combined bool) ([]byte, error) {
	if c.Stdout != nil {
		return nil, &Error{Op: op, Err: fmt.Errorf("Stdout: %w", ErrStreamSet)}
	}
	if combined && c.Stderr != nil {
		return nil, &Error{Op: op, Err: fmt.Errorf("Stderr: %w", ErrStreamSet)}
	}
	if _, err := c.StdoutPipe(); err != nil {
		return nil, err
	}
	if combined {
		c.Stderr = c.Stdout
	}
	var kept *headTail
	if !combined && c.Stderr == nil {
		if _, err := c.StderrPipe(); err != nil {
			return nil, err
		}
		kept = new(headTail)
	}
	stdout, _, err := c.communicate(op, context.Background(), nil, false, kept)
	if err != nil && c.Process != nil && (c.exit == nil || !c.exit.returned) {
		c.abandonPipes()
	}
	var ee *exec.ExitError
	if kept != nil && errors.As(err, &ee) {
		ee.Stderr = kept.bytes()
	}
	return stdout, err
}

// abandonPipes is for Output whose reads failed or whose greenlet was killed (the end of its
// hub, say) before the exit was collected: nobody can read these pipes any more, and no later
// call would reap the child. It closes them (a child still writing gets EPIPE) and has the child
// reaped when it exits, as a killed Wait does.
func (c *Cmd) abandonPipes() {
	closeFiles(c.pipes.takeParent())
	if c.exit == nil {
		c.startExit()
	}
	closeFiles(c.exit.parent)
	c.exit.release()
}
