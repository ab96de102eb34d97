package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("join_timeout", joinTimeout)
	register("join_timeout_zero", joinTimeoutZero)
}

// joinTimeout: gevent's join(timeout) returns None when time is up; the Go
// Join reports the same event as an ErrTimeout-matching error, so both count
// as "returned" here and the greenlet must still be running.
func joinTimeout(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) {
		if err := scheduler.Sleep(bg, 250*ms); err != nil {
			return 0, err
		}
		return 1, nil
	})
	err := g.Join(within(50 * ms))
	t.Println("join returned", py(err == nil || errors.Is(err, scheduler.ErrTimeout)), "ready", py(g.Ready()))
	unexpected(t, "join", g.Join(bg))
	t.Println("ready", py(g.Ready()), g.Value())
}

// joinTimeoutZero: the Go Join reports the timeout as an error; gevent's
// returns None. Either way what is compared is whether g got a turn.
func joinTimeoutZero(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) {
		t.Println("g runs")
		return none{}, nil
	})
	if err := timeout0(func() error { return g.Join(bg) }); err != nil && !errors.Is(err, scheduler.ErrTimeout) {
		unexpected(t, "join", err)
	}
	t.Println("after join0 ready", py(g.Ready()))
	unexpected(t, "join", g.Join(bg))
	t.Println("done")
}
