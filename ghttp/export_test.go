package ghttp

import (
	"testing"
	"time"
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
