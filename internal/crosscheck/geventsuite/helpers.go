package geventsuite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

// ms is a millisecond, the unit most scenarios sleep in.
const ms = time.Millisecond

// none is the value type of greenlets whose Python twin returns nothing.
type none = struct{}

// Python exceptions that the scenarios raise, as Go errors. The trace prints
// the Python class name and message when errors.Is matches, so the token is
// the same on both sides.
var (
	errBoom     = errors.New("boom")  // ValueError("boom")
	errKey      = errors.New("k")     // KeyError("k")
	errZeroDiv  = errors.New("1 / 0") // ZeroDivisionError
	errStop     = errors.New("now")   // Stop("now"), a user exception class
	errSlow     = errors.New("too slow")
	errValueCls = errors.New("")        // ValueError raised as a class: no args
	errInLink   = errors.New("in link") // ValueError("in link") raised in a link
)

// register adds a gevent twin that runs as the main greenlet of a fresh hub
// (scheduler.Main), destroyed at the end, so twins run in one process (the
// Go test) do not share hubs. A failed Destroy fails the scenario.
func register(name string, twin func(t *crosscheck.T)) {
	crosscheck.Register("gevent", name, func(t *crosscheck.T) {
		defer cancelWithins()
		if err := scheduler.Main(func() error { twin(t); return nil }); err != nil {
			t.Errorf("hub destroy: %v", err)
		}
	})
}

// bg is the context of waits that only their own events end.
var bg = context.Background()

var (
	withinMu      sync.Mutex
	withinCancels []context.CancelFunc
)

// within returns a context whose deadline is d from now: the Go form of a
// gevent call's timeout argument. register cancels it when the twin ends.
func within(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(bg, d)
	withinMu.Lock()
	withinCancels = append(withinCancels, cancel)
	withinMu.Unlock()
	return ctx
}

func cancelWithins() {
	withinMu.Lock()
	cs := withinCancels
	withinCancels = nil
	withinMu.Unlock()
	for _, c := range cs {
		c()
	}
}

// py formats a bool the way Python prints it.
func py(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// pyBools formats a list of bools the way Python prints a list.
func pyBools(bs []bool) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = py(b)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// pyStrs formats a list of strings the way Python prints a list.
func pyStrs(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = "'" + s + "'"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// sortedStrs is Python's sorted() of a list of str.
func sortedStrs(ss []string) string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return pyStrs(ss)
}

// pyNone prints a Go error the way the reference prints the matching
// Python exception attribute: None for nil.
func pyNone(err error) string {
	if err == nil {
		return "None"
	}
	return err.Error()
}

// unexpected prints a compared line for an error the reference never
// raises, so that it shows up in the diff instead of being dropped.
func unexpected(t *crosscheck.T, what string, err error) {
	if err != nil {
		t.Printf("UNEXPECTED %s: %v", what, err)
	}
}

// links converts greenlets to the Linkable list that Wait and IWait take.
func links[T any](gs []*scheduler.Greenlet[T]) []scheduler.Linkable {
	out := make([]scheduler.Linkable, len(gs))
	for i, g := range gs {
		out[i] = g
	}
	return out
}

// values returns the Value of each Linkable that is a *Greenlet[T].
func values[T any](ls []scheduler.Linkable) []T {
	out := make([]T, 0, len(ls))
	for _, l := range ls {
		if g, ok := l.(*scheduler.Greenlet[T]); ok {
			out = append(out, g.Value())
		}
	}
	return out
}

// errName names a scheduler error with the token the Python reference prints.
func errName(err error) string {
	switch {
	case err == nil:
		return "None"
	case errors.Is(err, scheduler.ErrTimeout):
		return "Timeout"
	case errors.Is(err, scheduler.ErrGreenletExit):
		return "GreenletExit"
	case errors.Is(err, scheduler.ErrLoopExit):
		return "LoopExit"
	}
	return fmt.Sprintf("%T(%v)", err, err)
}

// timeout0 runs fn under a started scheduler.Timeout of 0: gevent's
// timeout=0, which waits one loop iteration. A Go context whose deadline
// has passed does not wait at all, so it is not the same call.
func timeout0(fn func() error) error {
	_, err := scheduler.WithTimeout(0, func() (none, error) { return none{}, fn() })
	return err
}

// waitOK turns the error of a wait bounded by a deadline into gevent's
// answer: true when it returned nil, false when it gave up on its time
// limit (gevent returns False there), and any other error.
func waitOK(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, scheduler.ErrTimeout):
		return false, nil
	}
	return false, err
}

// startTimeout starts a gevent Timeout of d in the calling greenlet
// (Timeout.start_new); a failure to start fails the twin.
func startTimeout(t *crosscheck.T, d time.Duration) *scheduler.Timeout {
	return startTimeoutErr(t, d, nil)
}

// startTimeoutErr is startTimeout raising err (Timeout.start_new(d, exc)).
func startTimeoutErr(t *crosscheck.T, d time.Duration, err error) *scheduler.Timeout {
	to := scheduler.NewTimeout(d, err)
	if serr := to.Start(); serr != nil {
		t.Fatalf("Timeout.Start: %v", serr)
	}
	return to
}

// sleeper sleeps d and returns n, printing "finish n" first when loud.
func sleeper(t *crosscheck.T, n string, d time.Duration, loud bool) func() (string, error) {
	return func() (string, error) {
		if err := scheduler.Sleep(bg, d); err != nil {
			return "", err
		}
		if loud {
			t.Println("finish", n)
		}
		return n, nil
	}
}

// exitValue prints what gevent stores as the value of a killed greenlet:
// the GreenletExit instance. Go keeps Value() the zero T and records the
// GreenletExit where ExitErr (errors.Is(..., ErrGreenletExit)) can see it,
// while Err() stays nil because the greenlet counts as successful.
func exitValue[T any](g *scheduler.Greenlet[T]) string {
	if errors.Is(g.ExitErr(), scheduler.ErrGreenletExit) {
		return "GreenletExit"
	}
	return errName(g.ExitErr())
}

// sleepForever is a body blocked in a long sleep that prints nothing and
// hands back whatever error woke it.
func sleepForever() (none, error) {
	return none{}, scheduler.Sleep(bg, 10*time.Second)
}

// pipe makes a pipe for a twin, closed when the twin returns.
func pipe(t *crosscheck.T) (r, w int, closeBoth func()) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatalf("pipe: %v", err)
	}
	return p[0], p[1], func() {
		syscall.Close(p[0])
		syscall.Close(p[1])
	}
}

// waitReadable is Python's hub.wait(hub.loop.io(fd, 1)): a fresh io watcher
// whose callback fires a Waker, waited on once and closed.
func waitReadable(fd int) error {
	hub := scheduler.CurrentHub()
	k := scheduler.NewWaker()
	io, err := hub.Loop().NewIO(fd, cev.EV_READ, func(_ *cev.IO, revents int) { k.Fire(revents) })
	if err != nil {
		return err
	}
	defer io.Close()
	_, err = hub.Wait(bg, io, k, "read pipe")
	return err
}

// loop runs body n times with a sleep of d after each round, the shape of
// most yielding greenlets in the references.
func loop(t *crosscheck.T, name string, n int, d time.Duration) func() (none, error) {
	return func() (none, error) {
		for i := range n {
			t.Println(name, i)
			if err := scheduler.Sleep(bg, d); err != nil {
				return none{}, err
			}
		}
		return none{}, nil
	}
}

type stateful interface {
	Started() bool
	Ready() bool
	Dead() bool
	Successful() bool
}

func show(t *crosscheck.T, tag string, g stateful) {
	t.Println(tag, "started", py(g.Started()), "ready", py(g.Ready()), "dead", py(g.Dead()),
		"successful", py(g.Successful()))
}

// pyInts formats ints as a Python list.
func pyInts(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// runCallback is hub.RunCallback for a greenlet or callback of hub, which is never refused: a
// refusal shows in the trace.
func runCallback(t *crosscheck.T, hub *scheduler.Hub, fn func()) scheduler.Callback {
	cb, err := hub.RunCallback(fn)
	unexpected(t, "run_callback", err)
	return cb
}
