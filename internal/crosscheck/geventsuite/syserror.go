package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("syserror_greenlet", syserrorGreenlet)
	register("syserror_kill", syserrorKill)
	register("syserror_callback", syserrorCallback)
}

// traceHandleError is the references' hub.handle_error override: it prints
// the class of what it is given; the hub then throws a system error into
// main, as gevent's original handle_error does.
func traceHandleError(t *crosscheck.T) {
	scheduler.CurrentHub().SetErrorHandler(func(err error) {
		t.Println("handle_error", pyClass(err))
	})
}

// pyClass names an error with the Python class of its twin.
func pyClass(err error) string {
	switch {
	case errors.Is(err, scheduler.ErrExit):
		return "SystemExit"
	case errors.Is(err, errStop):
		return "Stop"
	}
	return errName(err)
}

// mainCaught prints what main caught, as the references' except clauses do.
func mainCaught(t *crosscheck.T, err error) {
	var exit *scheduler.ExitError
	switch {
	case err == nil:
		t.Println("sleep returned")
	case errors.As(err, &exit):
		t.Println("main got SystemExit", exit.Code)
	default:
		t.Println("main got", errName(err))
	}
}

// syserrorGreenlet: gevent's SystemExit is an *ExitError returned by the
// body; hub.handle_error is the error handler.
func syserrorGreenlet(t *crosscheck.T) {
	traceHandleError(t)
	g := scheduler.Spawn(func() (none, error) {
		t.Println("bad raises")
		return none{}, &scheduler.ExitError{Code: 3}
	})
	g.Rawlink(func(scheduler.Linkable) { t.Println("rawlink, dead", py(g.Dead())) })
	scheduler.Spawn(func() (none, error) {
		t.Println("other runs")
		return none{}, nil
	})
	mainCaught(t, scheduler.Sleep(bg, 10*ms))
	t.Println("ready", py(g.Ready()), "dead", py(g.Dead()), "successful", py(g.Successful()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0 dead", py(g.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
	t.Println("done")
}

// syserrorKill: Hub.SYSTEM_ERROR + (Stop,) is SetSystemErrors(ErrExit,
// errStop); the blocking kill is Kill with a Background context.
func syserrorKill(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	if err := hub.SetSystemErrors(scheduler.ErrExit, errStop); err != nil {
		t.Fatalf("SetSystemErrors: %v", err)
	}
	traceHandleError(t)
	g := scheduler.Spawn(func() (none, error) {
		defer t.Println("worker unwinds")
		return none{}, scheduler.Sleep(bg, 1000*ms)
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	switch err := g.Kill(bg, errStop); {
	case err == nil:
		t.Println("kill returned")
	case errors.Is(err, errStop):
		t.Println("main got Stop", errStop)
	default:
		t.Println("main got", errName(err))
	}
	t.Println("ready", py(g.Ready()), "dead", py(g.Dead()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("dead", py(g.Dead()))
}

// syserrorCallback: raising SystemExit in a callback is a callback that
// panics with an *ExitError.
func syserrorCallback(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	traceHandleError(t)
	runCallback(t, hub, func() {
		t.Println("callback raises")
		panic(&scheduler.ExitError{Code: 5})
	})
	runCallback(t, hub, func() { t.Println("next callback") })
	mainCaught(t, scheduler.Sleep(bg, 0))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}
