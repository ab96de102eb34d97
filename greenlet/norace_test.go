//go:build !race

package greenlet

const raceEnabled = false
