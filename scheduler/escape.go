package scheduler

import (
	"runtime/debug"

	"github.com/geventgo/geventgo/internal/hubhook"
)

// What escapes a callback, a link or a greenlet's body is caught by a
// deferred recover, which cannot tell every escape apart: recover returns
// nil both for a runtime.Goexit, which it does not stop, and, under
// GODEBUG=panicnil=1, for a panic(nil), which it stops. Only what follows
// tells them apart: after a stopped panic the function that recovered
// returns to its caller, after a Goexit its caller never resumes. So a
// recover on the hub greenlet that returns nil leaves what it saw in
// Hub.nilEscape (stashNil), and whichever comes first reports it: the
// caller, once control is back, as a panic whose value is nil (reportNil),
// or the deferred call the Goexit reaches (keepServing's), as the Goexit.
// The guards off the hub greenlet (a greenlet's body, a Link's, a SpawnRaw
// body, RunBlocking's function, the blocking detector's report) decide the
// same way from their own frames.

func init() {
	hubhook.PanicUnderGoexit = func(h any, err error) { h.(*Hub).handlePanicUnderGoexit(err) }
	hubhook.Report = func(h any, err error) { h.(*Hub).reportAbove(err) }
}

// handlePanicUnderGoexit is HandleError for a panic that a deferred call
// of a callback running on h raised, and that a recover above it stopped,
// while the callback unwinds from runtime.Goexit: the hub reports that
// Goexit, which the runtime resumes once the recovering call returns, no
// more, so the escape is reported once, as err. Only a package's own round
// of links run by a callback (event's, through hubhook) calls it, on h's
// hub greenlet, where it reports as reportAbove does; anywhere else it is
// HandleError.
func (h *Hub) handlePanicUnderGoexit(err error) {
	h.reportAbove(err)
	if err != nil && h.onHubGreenlet() {
		h.recovered = true
	}
}

// reportAbove is report for a package above (event's round of links, run
// by a callback, reporting a link's panic through hubhook): on h's hub
// greenlet what escapes the handler is named as the handler's; anywhere
// else it is HandleError.
func (h *Hub) reportAbove(err error) {
	if err == nil || !h.onHubGreenlet() {
		h.HandleError(err)
		return
	}
	h.report(err)
}

// onHubGreenlet reports whether the caller is h's hub greenlet.
func (h *Hub) onHubGreenlet() bool {
	return h != nil && h.hubC != nil && currentCtx() == h.hubC
}

// report is HandleError for a report that the hub greenlet makes below
// serve without a guard of its own (drain's, callLink's): what escapes the
// handler reaches a recover on the hub greenlet, which escapeOp tells that
// it escaped the handler, not a callback.
func (h *Hub) report(err error) {
	h.reporting = true
	h.HandleError(err)
	h.reporting = false
}

// escapeOp is the op under which a recover on the hub greenlet reports what
// it caught: "error handler" when that escaped a report (report), else
// "callback". The flag stays set until serve's recover or the caller that
// gets control back (drainCut) clears it.
func (h *Hub) escapeOp() string {
	if h.reporting {
		return "error handler"
	}
	return "callback"
}

// stashNil records, for op, what a recover on the hub greenlet returned nil
// for: a runtime.Goexit, or under GODEBUG=panicnil=1 a panic(nil) that it
// stopped. The stack is taken here, where the escape's frames still are.
func (h *Hub) stashNil(op string) {
	h.nilEscape = &Error{Op: op, Err: &PanicError{Stack: debug.Stack()}}
}

// reportNil reports what stashNil recorded, if anything: as the panic(nil)
// it was when v is nil (control came back to the recover's caller), as v
// (ErrGoexit) otherwise. A report that escapes is reported in turn
// (reportEscape), as nothing above keepServing recovers.
func (h *Hub) reportNil(v any) {
	e := h.nilEscape
	if e == nil {
		return
	}
	h.nilEscape = nil
	h.reporting = false
	e.Err.(*PanicError).Value = v
	h.reportEscape(e)
}

// drainEscaped is drain's recover: r escaped a callback (or, with
// reporting set, the handler while callLink reported), and drain returns
// false unless it was a runtime.Goexit.
func (h *Hub) drainEscaped(r any) {
	op := h.escapeOp()
	if r == nil {
		h.stashNil(op)
		return
	}
	h.reporting = false
	h.report(opErr(op, panicError(r)))
	h.recovered = true
}

// drainCut follows a drain that an escape cut short, once control is back
// (runOnce, serve's last drains): the escape was a panic, which drain
// reported, or a panic(nil), reported here; what comes next is a new escape.
func (h *Hub) drainCut() {
	h.recovered = false
	if e := h.nilEscape; e != nil {
		h.nilEscape = nil
		h.reporting = false
		h.report(e)
	}
	h.reporting = false
}

// recovering calls fn; what escapes it, recovered, goes to *esc: a panic's
// value, or nil for a runtime.Goexit (which goes on once this returns) and
// for a panic(nil) under GODEBUG=panicnil=1 (which does not). The caller
// tells the last two apart: control comes back to it only after the panic,
// and after a Goexit only its deferred calls run (goexitEscape).
func recovering(fn func(), esc **PanicError) {
	returned := false
	defer func() {
		if !returned {
			*esc = &PanicError{Value: recover(), Stack: debug.Stack()}
		}
	}()
	fn()
	returned = true
}

// goexitEscape is what a runtime.Goexit left, for a deferred call that it
// reached past recovering: the panic a deferred call raised under it, or
// else the Goexit itself.
func goexitEscape(esc *PanicError) *PanicError {
	if esc == nil {
		esc = &PanicError{Stack: debug.Stack()}
	}
	if esc.Value == nil {
		esc.Value = ErrGoexit
	}
	return esc
}
