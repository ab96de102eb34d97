// Package backoff holds the one rule for the bounds of an error back-off that socket's Accept
// and server's accept and read loops share: a zero bound takes its default, without crossing
// the other bound when that one is set.
package backoff

import "time"

// Bounds returns minD and maxD with a zero one replaced: minD by defMin, or by maxD when maxD is
// set and shorter; maxD by defMax, or by the minimum when that is longer. The caller has
// refused negative bounds and a set minimum above a set maximum.
func Bounds(minD, maxD, defMin, defMax time.Duration) (time.Duration, time.Duration) {
	if minD == 0 {
		minD = defMin
		if maxD > 0 {
			minD = min(minD, maxD)
		}
	}
	if maxD == 0 {
		maxD = max(defMax, minD)
	}
	return minD, maxD
}
