package server

import (
	"testing"
	"time"
)

// SetBackOff sets the loops' back-off bounds for one test (before its servers start).
func SetBackOff(t testing.TB, lo, hi time.Duration) {
	oldLo, oldHi := minDelay, maxDelay
	minDelay, maxDelay = lo, hi
	t.Cleanup(func() { minDelay, maxDelay = oldLo, oldHi })
}

// BackOff returns the current back-off of s's read loop, 0 while it reads normally.
func (s *DatagramServer) BackOff() time.Duration { return s.delay }
