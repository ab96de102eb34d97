package geventsuite

import (
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("spawnraw_order", spawnRawOrder)
	register("spawnraw_error", spawnRawError)
	register("spawnraw_kill", spawnRawKill)
	register("spawnraw_sysexit", spawnRawSysExit)
}

// spawnRaw is gevent.spawn_raw; a failure to spawn fails the twin. Python's
// arguments are the closure's.
func spawnRaw(t *crosscheck.T, fn func() error) *greenlet.Greenlet {
	g, err := scheduler.SpawnRaw(fn)
	if err != nil {
		t.Fatalf("SpawnRaw: %v", err)
	}
	return g
}

// spawnPrint is gevent.spawn(print, s).
func spawnPrint(t *crosscheck.T, s string) *scheduler.Greenlet[none] {
	return scheduler.Spawn(func() (none, error) {
		t.Println(s)
		return none{}, nil
	})
}

func spawnRawOrder(t *crosscheck.T) {
	raw := func(tag string, args ...any) func() error {
		return func() error {
			t.Println(append([]any{"raw", tag}, args...)...)
			return nil
		}
	}
	sleeper := func() error {
		t.Println("sleeper sleeps")
		if err := scheduler.Sleep(bg, 10*ms); err != nil {
			return err
		}
		t.Println("sleeper resumed")
		if err := scheduler.Sleep(bg, 0); err != nil {
			return err
		}
		t.Println("sleeper done")
		return nil
	}
	hub := scheduler.CurrentHub()
	spawnRaw(t, raw("r1", 1, 2))
	spawnPrint(t, "spawn s1")
	runCallback(t, hub, func() { t.Println("callback c1") })
	spawnRaw(t, raw("r2"))
	r := spawnRaw(t, sleeper)
	spawnPrint(t, "spawn s2")
	t.Println("main queued, sleeper dead", py(r.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("main after sleep0, sleeper dead", py(r.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	t.Println("main at end, sleeper dead", py(r.Dead()))
}

// traceRawErrors is the references' hub.handle_error printing the class
// and message of what it is given: ValueError("rawN") is errRaw(N).
func traceRawErrors(t *crosscheck.T) {
	scheduler.CurrentHub().SetErrorHandler(func(err error) {
		var raw rawError
		if errors.As(err, &raw) {
			t.Println("handle_error ValueError", raw.Error())
			return
		}
		t.Println("handle_error", pyClass(err))
	})
}

// rawError is ValueError("rawN").
type rawError int

func (e rawError) Error() string { return fmt.Sprintf("raw%d", int(e)) }

func spawnRawError(t *crosscheck.T) {
	traceRawErrors(t)
	bad := func(n int, block bool) func() error {
		return func() error {
			t.Println("bad", n)
			if block {
				if err := scheduler.Sleep(bg, 10*ms); err != nil {
					return err
				}
				t.Println("bad", n, "resumed")
			}
			return rawError(n)
		}
	}
	r1 := spawnRaw(t, bad(1, false))
	r2 := spawnRaw(t, bad(2, true))
	spawnRaw(t, func() error {
		t.Println("exits")
		return scheduler.ErrGreenletExit
	})
	spawnPrint(t, "spawned runs")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("main after sleep0, dead", py(r1.Dead()), py(r2.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	t.Println("main at end, dead", py(r1.Dead()), py(r2.Dead()))
}

// spawnRawKill: gevent.kill(raw) is what SpawnRaw's doc says: a hub
// callback throwing GreenletExit into the raw greenlet.
func spawnRawKill(t *crosscheck.T) {
	traceRawErrors(t)
	victim := func(name string, swallow bool) func() error {
		return func() error {
			t.Println(name, "sleeps")
			err := scheduler.Sleep(bg, 10_000*ms)
			if errors.Is(err, scheduler.ErrGreenletExit) {
				t.Println(name, "got GreenletExit")
				if !swallow {
					return err
				}
			} else if err != nil {
				return err
			}
			t.Println(name, "goes on")
			if err := scheduler.Sleep(bg, 0); err != nil {
				return err
			}
			t.Println(name, "returns")
			return nil
		}
	}
	hub := scheduler.CurrentHub()
	kill := func(g *greenlet.Greenlet) {
		runCallback(t, hub, func() {
			if _, err := g.Throw(scheduler.ErrGreenletExit); err != nil && !errors.Is(err, scheduler.ErrGreenletExit) {
				t.Println("UNEXPECTED throw:", err)
			}
		})
	}
	a := spawnRaw(t, victim("a", false))
	b := spawnRaw(t, victim("b", true))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	kill(a)
	kill(b)
	t.Println("kill returned, dead", py(a.Dead()), py(b.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0, dead", py(a.Dead()), py(b.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
	t.Println("at end, dead", py(a.Dead()), py(b.Dead()))
}

// spawnRawSysExit: SystemExit(4) is an *ExitError returned by the raw
// greenlet; the reference's handle_error calls the original, as
// traceHandleError's does.
func spawnRawSysExit(t *crosscheck.T) {
	traceHandleError(t)
	spawnRaw(t, func() error {
		t.Println("raw raises")
		return &scheduler.ExitError{Code: 4}
	})
	spawnPrint(t, "spawned runs")
	mainCaught(t, scheduler.Sleep(bg, 10*ms))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}
