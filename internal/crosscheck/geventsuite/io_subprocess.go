package geventsuite

import (
	"errors"
	"os/exec"
	"strings"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/subprocess"
)

func init() {
	register("io_subprocess", ioSubprocess)
}

func ioSubprocess(t *crosscheck.T) {
	ticker := scheduler.Spawn(func() (none, error) {
		for i := range 2 {
			if err := scheduler.Sleep(bg, 50*ms); err != nil {
				return none{}, err
			}
			t.Println("tick", i)
		}
		return none{}, nil
	})
	cmd := subprocess.Command("sh", "-c", "sleep 0.3; exit 3")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Println("started")
	t.Println("exit", exitCode(t, cmd, cmd.Wait()))
	unexpected(t, "join", ticker.Join(bg))
	quick := subprocess.Command("sh", "-c", "exit 3")
	t.Println("quick exit", exitCode(t, quick, quick.Run()))
	out, err := subprocess.Command("sh", "-c", "echo hello").Output()
	unexpected(t, "output", err)
	t.Println("output", strings.TrimSpace(string(out)))
}

// exitCode is Popen.wait()'s return value from a Cmd's Wait/Run error.
func exitCode(t *crosscheck.T, cmd *subprocess.Cmd, err error) int {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Println("UNEXPECTED wait:", err)
		return -1
	}
	return cmd.ProcessState.ExitCode()
}
