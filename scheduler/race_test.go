//go:build race

package scheduler

// raceEnabled: the race detector makes every switch ~10x slower, so the
// big-burst tests run smaller bursts under it.
const raceEnabled = true
