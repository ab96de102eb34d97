// Package subprocess starts processes and waits for them cooperatively: only the waiting
// greenlet blocks, never the hub (gevent.subprocess and the loop's child watchers).
//
// # Goroutines
//
// Nothing here creates a hub. A call that waits (Cmd's Wait, WaitContext, Run, Output,
// CombinedOutput and Communicate, and WaitPid), made from a goroutine that is not a greenlet of a
// hub or from the hub greenlet itself, returns an error matching scheduler.ErrNotGreenlet and
// starts or reaps nothing. Command, CommandContext, Cmd.Start, Cmd.TryWait and the pipe
// constructors do not block and may be called from any goroutine (the *fileobject.File a pipe
// constructor returns binds to the hub of the first greenlet that reads or writes it); a Cmd is
// otherwise used as an exec.Cmd is, by one caller at a time.
//
// # Pipes
//
// StdinPipe, StdoutPipe and StderrPipe return cooperative pipes (*fileobject.File): a Read or
// Write parks only the calling greenlet. The child's end is closed in the parent once the process
// started; Wait closes the parent's end after the process exited, as os/exec does, so finish
// reading before Wait (TryWait, and a WaitContext whose context ends first, leave it open, as
// gevent's Popen.poll and Popen.wait with a timeout do). Output and CombinedOutput read through
// such a pipe too. Only greenlets of their hub may read or write them: given as another
// command's Stdin or Stdout (os/exec's pipeline idiom), they fail in os/exec's own goroutine
// with scheduler.ErrNotGreenlet, so join two commands with an os.Pipe (StdoutPipe says how).
//
// Communicate(ctx, input) is gevent's Popen.communicate: it writes input and reads standard
// output and error at once, in greenlets of their own, then waits for the exit; when ctx ends
// first it returns what was read so far and an *Error naming it that wraps
// scheduler.ContextError's error and leaves the process running (reaped once it exits, its pipes
// left open), and the next Communicate (with nil input) goes on. With Cmd.WaitDelay set, Output,
// CombinedOutput and Communicate close their pipes WaitDelay after the process exited, should
// something it left running still hold them open, and return what was read and exec.ErrWaitDelay
// (the exit's own error when it failed), as os/exec does.
//
// # Waiting
//
// Cmd's waits reap exactly their own child, through os/exec on a goroutine off the hub, and
// never another child of the process. If the waiting greenlet is killed, the wait returns the
// kill's error at once and the process is reaped when it exits (its pipes are closed then); a
// later Wait or Communicate returns that exit. WaitContext bounds the wait by a context
// (gevent's Popen.wait with a timeout) and leaves the process running when the context ends
// first; to end the process with the wait, give the context to CommandContext instead. WaitPid
// takes a context first and, when it ends first, returns an *Error naming it that wraps
// scheduler.ContextError's error and leaves the child unreaped. A Cmd's wait that gave up (its
// greenlet killed, its context ended: Wait, WaitContext, Communicate, Output) or a TryWait leaves
// the goroutine that reaps the process running until it exits; that goroutine sets ProcessState,
// so read ProcessState once a wait returned the exit.
//
// # Zero values
//
// A Cmd without an exec.Cmd (the zero Cmd) has no command: its methods return an error matching
// scheduler.ErrNilArgument (String and Environ return nothing). Errors are *Error values naming
// the call that failed (a failed start too, around os/exec's error); a process's own outcome is
// os/exec's (*exec.ExitError ...).
package subprocess

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
)

// ErrNotStarted is returned by Wait on a command that was not started.
var ErrNotStarted = errors.New("process not started")

// errNoCmd is the cause given for a Cmd without an exec.Cmd.
var errNoCmd = fmt.Errorf("no exec.Cmd (create the Cmd with Command or CommandContext): %w",
	scheduler.ErrNilArgument)

// Error adds the operation that failed to a cause.
type Error struct {
	Op  string // e.g. "Cmd.Wait"
	Err error  // the cause: ErrNotStarted, scheduler.ErrNotGreenlet, a wait's error ...
}

// Error returns "subprocess: Op: cause", so the text names the package and the call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "subprocess: <nil>"
	}
	return "subprocess: " + e.Op + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout (a context's deadline:
// scheduler.ContextError's error), so os.IsTimeout and net.Error users see
// one, as with package os's and net's errors.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

// Cmd is an os/exec.Cmd whose Wait, Run, Output and CombinedOutput block only the calling
// greenlet. exec.Cmd.Wait runs on a goroutine off the hub, so os/exec reaps exactly its own
// child (pipes and copying goroutines included) and no other child of the process is ever
// reaped. A context bounds the command as in os/exec: give it to CommandContext (a greenlet's
// Context() kills the process together with the greenlet). Wrap an exec.Cmd of your own as
// &Cmd{Cmd: c}. A Cmd without an exec.Cmd (the zero Cmd) has no command: its methods return
// an error matching scheduler.ErrNilArgument.
//
// Wait, WaitContext, Run, Output, CombinedOutput and Communicate must be called from a greenlet (not from the hub
// greenlet, which must never block); elsewhere they return an error matching
// scheduler.ErrNotGreenlet and start or reap nothing.
type Cmd struct {
	*exec.Cmd
	pipes *pipes    // the cooperative pipes StdinPipe, StdoutPipe and StderrPipe made
	exit  *exitWait // the one exec.Cmd.Wait running off the hub, once a wait started it
}

// exitWait is the single exec.Cmd.Wait of a Cmd, run on a goroutine of its own: a wait that
// gives up (its greenlet killed, Communicate's ctx) leaves it running, and every later wait
// (Wait, Communicate) waits for the same one instead of calling exec.Cmd.Wait again, which
// would race it and, with the child reaped under it, fail with ECHILD. It only reaps: the
// parent's ends of the pipes are closed by the wait that returns the exit (collect), or after
// the exit by a goroutine that a killed wait or WaitDelay arranges (closeAfterExit); TryWait
// and a WaitContext whose ctx ended leave them open, for the caller to read on.
type exitWait struct {
	done     chan struct{}      // closed once exec.Cmd.Wait returned
	err      error              // exec.Cmd.Wait's result, once done is closed
	returned bool               // a wait returned err already: later ones get os/exec's "already called"
	parent   []*fileobject.File // the parent's ends of the pipes
	closer   bool               // closeAfterExit ran and was not taken back (caller-owned)
	linger   *lingerCloser      // with WaitDelay: the closer's linger, until disarm takes it back
}

// lingerCloser is one WaitDelay closer's linger after the exit. Its state goes from armed to
// exactly one of expired (its timer passed: the closer closes the pipes under their readers)
// or disarmed (the hub took it back first: the pipes stay open), decided by one
// compare-and-swap, so that the closer and the hub never both think they won.
type lingerCloser struct {
	hold  chan struct{} // closed once nothing reads the pipes any more
	drop  chan struct{} // closed when the closer is taken back (disarm)
	held  bool          // hold is closed (hub-owned)
	state atomic.Int32  // lingerArmed, lingerExpired or lingerDisarmed
}

// The states of a lingerCloser.
const (
	lingerArmed int32 = iota
	lingerExpired
	lingerDisarmed
)

// awaitExit starts the Cmd's exec.Cmd.Wait if no wait did yet and parks the calling greenlet
// until it returned, and returns its result; or it returns the wait's own error (ctx ended, the
// greenlet killed) as stop. The parent's ends of the pipes close once it returns the exit, as
// os/exec closes its own in Wait; a killed wait has them closed after the exit, and one whose
// ctx ended leaves them open (gevent's Popen.wait with a timeout closes nothing). op is the call
// that waits, which runinfo and LoopExit's report show with the pid ("Cmd.Wait (pid 1234)").
func (c *Cmd) awaitExit(ctx context.Context, op string) (result, stop error) {
	w := c.exit
	if w == nil {
		w = c.startExit()
	} else if w.returned {
		return c.Cmd.Wait(), nil // "exec: Wait was already called", as os/exec's second Wait
	}
	select {
	case <-w.done:
		// Known to have exited: nothing to wait for, whatever ctx (gevent's wait(timeout=0)).
		return w.collect(), nil
	default:
	}
	if err := awaitClosed(ctx, w.done, c.label(op, "")); err != nil {
		if ctxwait.Ended(ctx, err) {
			return nil, ctxError(ctx, err) // ctx's own error, not Waiter.Get's wrapping of it
		}
		w.closeAfterExit(0)
		return nil, err
	}
	return w.collect(), nil
}

// label is what runinfo and LoopExit's report show for a greenlet waiting in the call op on the
// started process, or, with a role, the name of op's helper greenlet for that stream:
// "Cmd.Wait (pid 1234)", "Cmd.Communicate stdout (pid 1234)".
func (c *Cmd) label(op, role string) string {
	if role != "" {
		op += " " + role
	}
	return op + " (pid " + strconv.Itoa(c.Process.Pid) + ")"
}

// awaitClosed parks the calling greenlet until done is closed, ctx ends or the greenlet is
// killed (whose error it returns), with the loop kept alive meanwhile; runinfo and LoopExit's
// report show it waiting on label. The goroutine that watches done ends with the wait: one whose
// ctx ended first must not stay until the process exits (a loop of short WaitContexts would
// pile them up).
func awaitClosed(ctx context.Context, done <-chan struct{}, label string) error {
	if err := scheduler.ContextError(ctx); err != nil {
		return err
	}
	h := scheduler.CurrentHub()
	release, err := h.KeepAlive()
	if err != nil {
		return err
	}
	defer release()
	w := scheduler.NewWaiter(label)
	ended := make(chan struct{})
	defer close(ended)
	go func() {
		select {
		case <-done:
			w.Switch(nil) // from this goroutine: posted to the hub
		case <-ended:
		}
	}()
	_, err = w.Get(ctx)
	return err
}

// ctxError returns ctx's own error for err, the error of a wait that ctxwait.Ended says ctx
// ended: scheduler.ContextError's, or, when the hub's timer saw the deadline an instant before
// ctx reports it, the deadline's error the wait got, without what wrapped it on the way up.
func ctxError(ctx context.Context, err error) error {
	return ctxwait.Err(scheduler.ContextError(ctx), err)
}

// collect returns the exit to the wait that saw it first, and closes the parent's ends of the
// pipes.
func (w *exitWait) collect() error {
	w.returned = true
	closeFiles(w.parent)
	return w.err
}

// startExit starts the Cmd's one exec.Cmd.Wait off the hub, which reaps the child once it exits.
func (c *Cmd) startExit() *exitWait {
	w := &exitWait{done: make(chan struct{}), parent: c.pipes.takeParent()}
	c.exit = w
	go func() {
		w.err = c.Cmd.Wait()
		close(w.done)
	}()
	return w
}

// closeAfterExit has the parent's ends of the pipes closed once the process exited, by a
// goroutine that ends then: at once, or with a linger above 0 (WaitDelay) once release was
// called or linger passed, whichever comes first; disarm takes a lingering one back. Only its
// first call counts, until a disarm.
func (w *exitWait) closeAfterExit(linger time.Duration) {
	if w.closer {
		return
	}
	w.closer = true
	var lc *lingerCloser
	if linger > 0 {
		lc = &lingerCloser{hold: make(chan struct{}), drop: make(chan struct{})}
		w.linger = lc
	}
	go func() {
		select {
		case <-w.done:
		case <-lc.dropped():
			return
		}
		if lc.wait(linger) {
			closeFiles(w.parent)
		}
	}()
}

// dropped returns the channel disarm closes; nil (never ready) without a linger.
func (lc *lingerCloser) dropped() <-chan struct{} {
	if lc == nil {
		return nil
	}
	return lc.drop
}

// wait waits, after the exit, until hold is closed or for d, and reports whether the pipes are
// to be closed: not if disarm took the closer back first. When d passes first it moves the state
// to expired, unless disarm moved it to disarmed an instant before.
func (lc *lingerCloser) wait(d time.Duration) bool {
	if lc == nil {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-lc.hold:
		return true
	case <-lc.drop:
		return false
	case <-t.C:
		return lc.state.CompareAndSwap(lingerArmed, lingerExpired)
	}
}

// disarm takes back a lingering closer that was not released, for a Communicate that returned
// before it read everything (its ctx ended, its greenlet was killed): the pipes stay open for the
// next call, which arms its own (os/exec's WaitDelay starts when a Wait sees the exit, not while
// nobody waits). It reports false when it came too late: WaitDelay expired and the pipes are
// closed (timedOut). Nil-safe, on the hub.
func (w *exitWait) disarm() bool {
	if w == nil || w.linger == nil || w.linger.held {
		return true
	}
	if !w.linger.state.CompareAndSwap(lingerArmed, lingerDisarmed) {
		return false
	}
	close(w.linger.drop)
	w.linger, w.closer = nil, false
	return true
}

// release lets the pipes close as soon as the process exited; nil-safe, on the hub.
func (w *exitWait) release() {
	if w != nil && w.linger != nil && !w.linger.held {
		w.linger.held = true
		close(w.linger.hold)
	}
}

// timedOut reports whether WaitDelay closed the pipes under their readers (a closer that
// expired is never taken back, so this stays true); nil-safe, on the hub.
func (w *exitWait) timedOut() bool {
	return w != nil && w.linger != nil && w.linger.state.Load() == lingerExpired
}

// Command is exec.Command for greenlets.
func Command(name string, args ...string) *Cmd { return &Cmd{Cmd: exec.Command(name, args...)} }

// CommandContext is exec.CommandContext for greenlets: the process is killed (exec.Cmd.Cancel)
// when ctx is done before it exits. A nil ctx gives a command whose Start, Run, Output and
// CombinedOutput return an error matching scheduler.ErrNilArgument.
func CommandContext(ctx context.Context, name string, args ...string) *Cmd {
	if ctx == nil {
		c := Command(name, args...)
		c.Err = &Error{Op: "CommandContext", Err: scheduler.ErrNilArgument}
		return c
	}
	return &Cmd{Cmd: exec.CommandContext(ctx, name, args...)}
}

// check returns op's error for a Cmd without an exec.Cmd.
func (c *Cmd) check(op string) error {
	if c == nil || c.Cmd == nil {
		return &Error{Op: op, Err: errNoCmd}
	}
	return nil
}

// mayWait checks the Cmd and that the caller is a greenlet that may block; op names the call.
func (c *Cmd) mayWait(op string) error {
	if err := c.check(op); err != nil {
		return err
	}
	if err := scheduler.CurrentHub().CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	return nil
}

// Start starts the command without waiting for it (exec.Cmd.Start); it does not block and may
// be called from any goroutine. Its failure is exec.Cmd.Start's error (an *exec.Error matching
// exec.ErrNotFound for a name not found in PATH, an *fs.PathError for a file that cannot run,
// "exec: already started") in an *Error naming the call, Cmd.Start here, Cmd.Run, Cmd.Output,
// Cmd.CombinedOutput or Cmd.Communicate when they start the command.
func (c *Cmd) Start() error {
	const op = "Cmd.Start"
	if err := c.check(op); err != nil {
		return err
	}
	return c.start(op)
}

// Wait waits for the started process to exit (exec.Cmd.Wait) and returns os/exec's result:
// nil, an *exec.ExitError, or an I/O error. If the waiting greenlet is killed meanwhile, Wait
// returns that error at once, and the process is reaped when it exits. It returns
// ErrNotStarted before Start.
func (c *Cmd) Wait() error {
	if err := c.mayWait("Cmd.Wait"); err != nil {
		return err
	}
	if c.Process == nil {
		return &Error{Op: "Cmd.Wait", Err: ErrNotStarted}
	}
	return c.wait("Cmd.Wait")
}

// WaitContext is Wait bounded by ctx too (gevent's Popen.wait with a timeout): when ctx ends first
// it returns scheduler.ContextError's error in an *Error and leaves the process running and its
// pipes open; it is reaped when it exits, and a later Wait, WaitContext or TryWait returns its exit
// (once one saw it, whatever its ctx). To end the process with the context, give the context to
// CommandContext instead. A kill of the waiting greenlet is one as for Wait, even with a context's
// error (context.Canceled) as the kill's, while ctx itself has not ended.
func (c *Cmd) WaitContext(ctx context.Context) error {
	const op = "Cmd.WaitContext"
	if err := c.mayWait(op); err != nil {
		return err
	}
	if ctx == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if c.Process == nil {
		return &Error{Op: op, Err: ErrNotStarted}
	}
	result, stop := c.awaitExit(ctx, op)
	if stop != nil {
		return &Error{Op: op, Err: stop}
	}
	return result
}

// TryWait reports the process's exit without waiting (gevent's Popen.poll): once the process
// exited and was reaped, the exit as Wait returns it (nil, an *exec.ExitError, ...), on every
// call; while it runs, an error matching scheduler.ErrNotReady. The first call starts the wait
// that reaps the process (off the hub, as Wait's), and a later Wait returns the same exit. The
// pipes stay open, so what the process wrote before it exited can still be read; Wait closes
// them. It does not block and may be called from any goroutine, though not at the same time as
// another call on c (a Cmd has one caller at a time). It returns ErrNotStarted before Start.
func (c *Cmd) TryWait() error {
	const op = "Cmd.TryWait"
	if err := c.check(op); err != nil {
		return err
	}
	if c.Process == nil {
		return &Error{Op: op, Err: ErrNotStarted}
	}
	w := c.exit
	if w == nil {
		w = c.startExit()
	}
	select {
	case <-w.done:
		return w.err
	default:
		return &Error{Op: op, Err: scheduler.ErrNotReady}
	}
}

// wait is Wait for the call op (Cmd.Wait, Cmd.Run), which runinfo shows the waiting greenlet in.
func (c *Cmd) wait(op string) error {
	// Background: the command's own context (CommandContext) kills the process, and Wait
	// returns once os/exec has reaped it, as exec.Cmd.Wait does. The pipes close after the
	// exit, as os/exec's do, even if the waiting greenlet was killed meanwhile.
	result, stop := c.awaitExit(context.Background(), op)
	if stop != nil {
		return stop
	}
	return result
}

// Run starts the command and waits for it (exec.Cmd.Run).
func (c *Cmd) Run() error {
	if err := c.mayWait("Cmd.Run"); err != nil {
		return err
	}
	if err := c.start("Cmd.Run"); err != nil {
		return err
	}
	return c.wait("Cmd.Run")
}

// Output runs the command and returns its standard output (exec.Cmd.Output). If its greenlet is
// killed (or the reads fail) before the process exits, Output returns at once, closes its pipes,
// which nothing else can read, and the process is reaped when it exits; CombinedOutput too.
// With WaitDelay set, pipes still held open (by an orphan of the child) WaitDelay after the exit
// are closed, and Output returns exec.ErrWaitDelay if the exit itself succeeded, as os/exec's.
func (c *Cmd) Output() ([]byte, error) {
	if err := c.mayWait("Cmd.Output"); err != nil {
		return nil, err
	}
	return c.output("Cmd.Output", false)
}

// CombinedOutput runs the command and returns its standard output and error together
// (exec.Cmd.CombinedOutput).
func (c *Cmd) CombinedOutput() ([]byte, error) {
	if err := c.mayWait("Cmd.CombinedOutput"); err != nil {
		return nil, err
	}
	return c.output("Cmd.CombinedOutput", true)
}

// String is exec.Cmd.String ("" for a Cmd without an exec.Cmd).
func (c *Cmd) String() string {
	if c.check("Cmd.String") != nil {
		return ""
	}
	return c.Cmd.String()
}

// Environ is exec.Cmd.Environ (nil for a Cmd without an exec.Cmd).
func (c *Cmd) Environ() []string {
	if c.check("Cmd.Environ") != nil {
		return nil
	}
	return c.Cmd.Environ()
}

// WaitPid waits cooperatively for child process pid to exit, or until ctx is done, and reaps it,
// with ev_child's semantics: it returns the pid and the raw wait status. It uses cev.Child, a pidfd
// watched by the hub's loop, so it waits for that one pid and never reaps another child. Use it for
// children started with os.StartProcess or syscall.ForkExec that nothing else waits for (not for an
// exec.Cmd: use Cmd.Wait). A pid that is not a child of this process fails at once with
// syscall.ESRCH or syscall.ECHILD, and so does a wait for a child that something else reaps
// meanwhile; two WaitPids of one hub on the same pid both get its status (as libev reports to every
// ev_child of the pid). When ctx ends first it returns an *Error naming WaitPid that wraps
// scheduler.ContextError's error (not Hub.Wait's) and the child is left unreaped. An *os.Process
// from os.StartProcess holds a pidfd of its own that only its Wait or Release frees: after WaitPid
// has reaped the child, call Release, or the fd stays open until the garbage collector finds the
// Process.
func WaitPid(ctx context.Context, pid int) (rpid int, status syscall.WaitStatus, err error) {
	if ctx == nil {
		return 0, 0, &Error{Op: "WaitPid", Err: scheduler.ErrNilArgument}
	}
	h := scheduler.CurrentHub()
	if err := h.CheckWait(); err != nil {
		return 0, 0, &Error{Op: "WaitPid", Err: err}
	}
	if err := checkChild(pid); err != nil {
		return 0, 0, &Error{Op: "WaitPid", Err: err}
	}
	k := scheduler.NewWaker()
	w, err := h.Loop().NewChild(pid, func(_ *cev.Child, rev int) { k.Fire(rev) })
	if err != nil {
		return 0, 0, &Error{Op: "WaitPid", Err: err}
	}
	defer w.Close()
	rev, err := h.Wait(ctx, w, k, "WaitPid "+strconv.Itoa(pid))
	if err != nil {
		if ctxwait.Ended(ctx, err) {
			err = ctxError(ctx, err) // ctx's own error, not Hub.Wait's wrapping of it
		}
		return 0, 0, &Error{Op: "WaitPid", Err: err}
	}
	if rev&cev.EV_ERROR != 0 { // reaped by someone else meanwhile
		return 0, 0, &Error{Op: "WaitPid", Err: &os.SyscallError{Syscall: "waitpid", Err: syscall.ECHILD}}
	}
	return w.Rpid(), w.Rstatus(), nil
}

// checkChild asks the kernel, without reaping anything (WNOHANG|WNOWAIT), whether pid is a
// child of this process: a pidfd would happily watch any process, and waiting for one that is
// not ours would never end.
func checkChild(pid int) error {
	if pid <= 0 {
		return &os.SyscallError{Syscall: "waitid", Err: syscall.EINVAL}
	}
	const pPID = 1
	var info [128]byte // siginfo_t
	_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info[0])),
		syscall.WEXITED|syscall.WNOHANG|0x01000000 /* WNOWAIT */, 0, 0)
	if e != 0 {
		return &os.SyscallError{Syscall: "waitid", Err: e}
	}
	return nil
}
