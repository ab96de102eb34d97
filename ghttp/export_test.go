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
