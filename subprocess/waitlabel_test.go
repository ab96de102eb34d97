package subprocess_test

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

// flatten returns every greenlet of the snapshot's tree by name.
func flatten(gs []scheduler.GreenletInfo, into map[string]scheduler.GreenletInfo) map[string]scheduler.GreenletInfo {
	for _, g := range gs {
		into[g.Name] = g
		flatten(g.Children, into)
	}
	return into
}

// TestWaitsShowTheCallAndPid: a greenlet waiting for a child process shows, in runinfo (and so
// in LoopExit's report, which reads the same label), the call it made and the child's pid, and
// Communicate's helpers are named after the call, the stream and the pid. They showed
// RunBlocking (Cmd's waits), iwait and Greenlet-N (Communicate, Output) and "child process"
// (WaitPid). Each child reads the pipe r until the test closes its other end.
func TestWaitsShowTheCallAndPid(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		r, w, err := os.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		held := func() *subprocess.Cmd {
			c := subprocess.Command("cat", "/dev/fd/3") // reads r, not its stdin
			c.ExtraFiles = []*os.File{r}
			return c
		}
		started := func(c *subprocess.Cmd) *subprocess.Cmd {
			require.NoError(t, c.Start())
			return c
		}
		cmds := map[string]*subprocess.Cmd{
			"run": held(), "wait": started(held()), "waitcontext": started(held()),
			"output": held(), "combined": held(), "communicate": held(),
		}
		calls := map[string]func() error{
			"run":         cmds["run"].Run,
			"wait":        cmds["wait"].Wait,
			"waitcontext": func() error { return cmds["waitcontext"].WaitContext(ctx) },
			"output":      func() error { _, err := cmds["output"].Output(); return err },
			"combined":    func() error { _, err := cmds["combined"].CombinedOutput(); return err },
			"communicate": func() error {
				// More than a pipe holds: its writer waits as long as the child runs.
				_, _, err := cmds["communicate"].Communicate(ctx, bytes.Repeat([]byte("x"), 1<<20))
				return err
			},
		}
		null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		require.NoError(t, err)
		defer null.Close()
		child, err := os.StartProcess("/bin/cat", []string{"cat"}, &os.ProcAttr{Files: []*os.File{r, null, null}})
		require.NoError(t, err)
		defer child.Release()
		calls["waitpid"] = func() error { _, _, err := subprocess.WaitPid(ctx, child.Pid); return err }

		var gs []*scheduler.Greenlet[struct{}]
		for name, call := range calls {
			g := scheduler.Go(call)
			g.SetName(name)
			gs = append(gs, g)
		}
		pid := func(name string) string { return strconv.Itoa(cmds[name].Process.Pid) }
		waiting := func(got map[string]scheduler.GreenletInfo) bool {
			for name := range calls {
				if got[name].State != "waiting" {
					return false
				}
			}
			return true
		}
		var got map[string]scheduler.GreenletInfo
		for deadline := time.Now().Add(5 * time.Second); ; {
			info, err := scheduler.CurrentHub().Snapshot(ctx)
			require.NoError(t, err)
			if got = flatten(info.Greenlets, map[string]scheduler.GreenletInfo{}); waiting(got) {
				break
			}
			require.True(t, time.Now().Before(deadline), "the greenlets never all waited: %v", got)
			require.NoError(t, scheduler.Sleep(ctx, time.Millisecond))
		}
		for name, want := range map[string]string{
			"run":         "Cmd.Run (pid " + pid("run") + ")",
			"wait":        "Cmd.Wait (pid " + pid("wait") + ")",
			"waitcontext": "Cmd.WaitContext (pid " + pid("waitcontext") + ")",
			"output":      "Cmd.Output (pid " + pid("output") + ")",
			"combined":    "Cmd.CombinedOutput (pid " + pid("combined") + ")",
			"communicate": "Cmd.Communicate (pid " + pid("communicate") + ")",
			"waitpid":     "WaitPid " + strconv.Itoa(child.Pid),
		} {
			assert.Equal(t, want, got[name].WaitingOn, name)
		}
		names := slices.Sorted(maps.Keys(got))
		for _, helper := range []string{
			"Cmd.Output stdout (pid " + pid("output") + ")",
			"Cmd.Output stderr (pid " + pid("output") + ")",
			"Cmd.CombinedOutput stdout (pid " + pid("combined") + ")",
			"Cmd.Communicate stdin (pid " + pid("communicate") + ")",
			"Cmd.Communicate stdout (pid " + pid("communicate") + ")",
			"Cmd.Communicate stderr (pid " + pid("communicate") + ")",
		} {
			assert.Contains(t, names, helper)
		}

		require.NoError(t, w.Close()) // every child reads EOF and exits
		for _, g := range gs {
			_, err := g.Get(ctx)
			assert.NoError(t, err, g.Name())
		}
		return nil
	}))
}
