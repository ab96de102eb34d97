//go:build race

package greenlet

// raceEnabled: the race detector grows every stack, so memory figures
// measured under it say nothing about a normal build.
const raceEnabled = true
