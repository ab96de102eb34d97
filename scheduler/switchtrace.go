package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Overrun is one stretch a greenlet ran without switching, as
// AssertSwitches reports it.
type Overrun struct {
	Greenlet string        // the greenlet's name ("main", a Greenlet's Name, "RawGreenlet-1")
	For      time.Duration // how long it ran without switching
}

// SwitchError is the error of AssertSwitches; it matches ErrNoSwitch.
type SwitchError struct {
	// Threshold is the one AssertSwitches was given; 0 or less: the block
	// had to switch to the hub at least once.
	Threshold time.Duration
	// Overruns are the stretches that broke the rule, in the order they
	// ended: without a threshold, the caller's whole block.
	Overruns []Overrun
}

// Error names each greenlet that ran too long and for how long.
func (e *SwitchError) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	var b strings.Builder
	b.WriteString("scheduler: AssertSwitches: ")
	if e.Threshold <= 0 {
		b.WriteString("no switch to the hub")
	} else {
		fmt.Fprintf(&b, "ran longer than %v without switching", e.Threshold)
	}
	for i, o := range e.Overruns {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s for %v", o.Greenlet, o.For)
	}
	return b.String()
}

// Unwrap returns ErrNoSwitch.
func (e *SwitchError) Unwrap() error { return ErrNoSwitch }

// AssertSwitches runs fn and checks that it let the hub run (gevent's
// gevent.util.assert_switches), for tests and debugging. With threshold 0
// or less it returns a *SwitchError matching ErrNoSwitch when fn never
// switched to the hub (it only computed, or only made calls that did not
// wait). With a threshold, it returns one when a greenlet of the hub (the
// caller, or any greenlet that ran meanwhile) ran longer than threshold
// without switching while fn ran, naming each such greenlet and how long it
// ran; the hub greenlet's own time (its callbacks, its poll) is not counted,
// as in gevent. The caller's stretches count from the call and up to the
// return.
//
// fn's own error is returned as it is, without the check, as gevent does not
// hide the exception of the block. A panic in fn goes through, with the
// timing stopped. Only a greenlet of a hub may call it: its main greenlet or
// a spawned one; from anywhere else (a plain goroutine, a callback on the
// hub greenlet) it returns an error matching ErrNotGreenlet without calling
// fn, once the hub's Destroy started (a killed greenlet's defer) one matching
// ErrHubDestroyed, and ErrNilArgument for a nil fn. Calls may nest.
//
// Without a threshold it costs nothing on the switch path. With one, every
// switch of the hub reads the clock while fn runs; outside, the switch path
// pays one load of a flag word it already loads for the blocking detector.
func AssertSwitches(threshold time.Duration, fn func() error) (err error) {
	if fn == nil {
		return opErr("AssertSwitches", ErrNilArgument)
	}
	c, h, err := currentBlocking("AssertSwitches")
	if err != nil {
		return err
	}
	a := h.startAssert(c, threshold)
	defer func() {
		if serr := h.endAssert(a); err == nil && serr != nil {
			err = serr
		}
	}()
	return fn()
}

// switchAssert is the state of one AssertSwitches call; hub-affine. With a
// threshold, traceSwitch follows the greenlet that runs: cur, since when,
// and the name of the last job cur finished in this stretch (its task is
// gone by the time the stretch ends).
type switchAssert struct {
	threshold time.Duration
	switches  uint64 // h.switches at the start
	start     time.Time
	caller    *gctx
	cur       *gctx // nil: the hub greenlet runs (not counted)
	since     time.Time
	jobName   string
	over      []Overrun
}

func (h *Hub) startAssert(c *gctx, threshold time.Duration) *switchAssert {
	now := time.Now()
	a := &switchAssert{threshold: threshold, switches: h.switches, start: now, caller: c, cur: c, since: now}
	if threshold > 0 {
		h.asserts = append(h.asserts, a)
		if len(h.asserts) == 1 {
			h.switchFlags.Or(flagTracing)
		}
	}
	return a
}

// endAssert stops a's timing and returns its verdict.
func (h *Hub) endAssert(a *switchAssert) error {
	now := time.Now()
	if a.threshold <= 0 {
		if h.switches != a.switches {
			return nil
		}
		return &SwitchError{Overruns: []Overrun{{Greenlet: a.caller.displayName(), For: now.Sub(a.start)}}}
	}
	a.switched(now, now, nil, true)
	if i := slices.Index(h.asserts, a); i >= 0 {
		h.asserts = slices.Delete(h.asserts, i, i+1)
	}
	if len(h.asserts) == 0 {
		h.switchFlags.And(^flagTracing)
	}
	if len(a.over) == 0 {
		return nil
	}
	return &SwitchError{Threshold: a.threshold, Overruns: a.over}
}

// traceSwitch runs on every switch of the hub while an AssertSwitches with a
// threshold runs (switchSlow), in the greenlet that wrote Hub.running: the
// one that leaves for the hub, or the one that resumes. The stretch in
// progress ends at end, the next starts at start (later by a blocking
// report's delivery that the switch waited for).
func (h *Hub) traceSwitch(end, start time.Time) {
	c := currentCtx()
	toHub := uint32(h.running.Load()) == uint32(h.hubC.goid.Load())
	for _, a := range h.asserts {
		a.switched(end, start, c, toHub)
	}
}

// traceJobEnd notes, while timing, the name of the job a worker finished:
// the stretch that ends at the worker's next switch ran it.
func (h *Hub) traceJobEnd(j job) {
	t, ok := j.(*task)
	if !ok {
		return
	}
	for _, a := range h.asserts {
		a.jobName = t.Name()
	}
}

// switched ends the stretch in progress at end, recording it when it ran
// past the threshold, and starts the next at start: c's, or the hub's when
// toHub.
func (a *switchAssert) switched(end, start time.Time, c *gctx, toHub bool) {
	if a.cur != nil {
		if d := end.Sub(a.since); d > a.threshold {
			name := a.cur.displayName()
			if a.cur.task == nil && a.jobName != "" {
				name = a.jobName
			}
			a.over = append(a.over, Overrun{Greenlet: name, For: d})
		}
	}
	a.cur, a.since, a.jobName = nil, start, ""
	if !toHub {
		a.cur = c
	}
}
