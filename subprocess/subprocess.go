// Package subprocess starts processes and waits for them cooperatively: only the waiting
// greenlet blocks, never the hub (gevent.subprocess and the loop's child watchers).
package subprocess

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

// ErrNotStarted is returned by Wait on a command that was not started.
var ErrNotStarted = errors.New("subprocess: not started")

// Cmd is an os/exec.Cmd whose Wait, Run, Output and CombinedOutput block only the calling
// greenlet. exec.Cmd.Wait runs on a goroutine off the hub, so os/exec reaps exactly its own
// child (pipes and copying goroutines included) and no other child of the process is ever
// reaped. Hub-affine.
type Cmd struct {
	*exec.Cmd
}

// Command is exec.Command for greenlets.
func Command(name string, args ...string) *Cmd { return &Cmd{exec.Command(name, args...)} }

// CommandContext is exec.CommandContext for greenlets: pass a greenlet's Context() to have the
// process killed together with the greenlet.
func CommandContext(ctx context.Context, name string, args ...string) *Cmd {
	return &Cmd{exec.CommandContext(ctx, name, args...)}
}

// Wait waits for the started process to exit (exec.Cmd.Wait). If the waiting greenlet is killed
// meanwhile, Wait returns that error at once, and the process is reaped when it exits.
func (c *Cmd) Wait() error {
	if c.Process == nil {
		return ErrNotStarted
	}
	_, err := scheduler.RunBlocking(func() (struct{}, error) { return struct{}{}, c.Cmd.Wait() })
	return err
}

// Run starts the command and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Output runs the command and returns its standard output (exec.Cmd.Output).
func (c *Cmd) Output() ([]byte, error) {
	return scheduler.RunBlocking(c.Cmd.Output)
}

// CombinedOutput runs the command and returns its standard output and error together.
func (c *Cmd) CombinedOutput() ([]byte, error) {
	return scheduler.RunBlocking(c.Cmd.CombinedOutput)
}

// WaitPid waits cooperatively for child process pid to exit and reaps it, with ev_child's
// semantics: it returns the pid and the raw wait status. It uses cev.Child, a pidfd watched by
// the hub's loop, so it waits for that one pid and never reaps another child. Use it for children
// started with os.StartProcess or syscall.ForkExec that nothing else waits for (not for an
// exec.Cmd: use Cmd.Wait). A pid that is not a child of this process fails with syscall.ESRCH or
// syscall.ECHILD. An *os.Process from os.StartProcess holds a pidfd of its own that only its
// Wait or Release frees: after WaitPid has reaped the child, call Release, or the fd stays open
// until the garbage collector finds the Process.
func WaitPid(pid int) (rpid int, status syscall.WaitStatus, err error) {
	if err := checkChild(pid); err != nil {
		return 0, 0, err
	}
	h := scheduler.GetHub()
	k := scheduler.NewWaker()
	w, err := h.Loop().NewChild(pid, func(_ *cev.Child, rev int) { k.Fire(rev) })
	if err != nil {
		return 0, 0, err
	}
	defer w.Close()
	if _, err := h.Wait(w, k, "child process"); err != nil {
		return 0, 0, err
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
