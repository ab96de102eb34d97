package ghttp

import (
	"testing"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// SetRSTAvoidanceDelay shortens the wait after a FIN for one test (before its servers start).
func SetRSTAvoidanceDelay(t testing.TB, d time.Duration) {
	old := rstAvoidanceDelay
	rstAvoidanceDelay = d
	t.Cleanup(func() { rstAvoidanceDelay = old })
}

// HasStashedByte reports whether the watch's TLS read of w's connection holds a byte of what
// the client sent next.
func HasStashedByte(w any) bool {
	r, ok := w.(*response)
	return ok && r.c.cr.hasByte
}

// WatchSawData reports whether the watch of w's connection saw the client send more while
// the handler ran: on TLS its read holds the first byte, on plain sockets it peeked and
// disarmed.
func WatchSawData(w any) bool {
	r, ok := w.(*response)
	if !ok {
		return false
	}
	if r.c.tlsConn != nil {
		return r.c.cr.hasByte
	}
	return !r.c.watch.armed && !r.c.watch.active
}

// WithoutHubEndWatch keeps the Transports' idle connections open at their hub's end for one
// test (until CloseIdleConnections), as they were before the hub's end closed them.
func WithoutHubEndWatch(t testing.TB) {
	old := startWatch
	startWatch = func(*transportState, <-chan struct{}) {}
	t.Cleanup(func() { startWatch = old })
}

// WithoutHubEndGoroutine leaves the closing of the Transports' idle connections at their hub's
// end to the loop's cleanup watcher alone for one test.
func WithoutHubEndGoroutine(t testing.TB) {
	old := startWatch
	startWatch = func(st *transportState, _ <-chan struct{}) { st.endWatch() }
	t.Cleanup(func() { startWatch = old })
}

// OpenConns returns how many connections t has open on the calling greenlet's hub (dialing, in
// use or idle); on that hub.
func OpenConns(t *Transport) int {
	if v, ok := t.states.Load(scheduler.CurrentHub()); ok {
		return v.(*transportState).open
	}
	return 0
}

// HubStates returns how many hubs t keeps connections for.
func HubStates(t *Transport) int {
	n := 0
	t.states.Range(func(any, any) bool { n++; return true })
	return n
}
