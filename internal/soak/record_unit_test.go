//go:build soak

package soak

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestMarkdownMarksFailures checks soak.md's rendering (its name avoids
// "Soak" so that make soak's -run Soak leaves it out).
func TestMarkdownMarksFailures(t *testing.T) {
	ok := &record{what: "w", scale: "s", elapsed: 1500 * time.Millisecond, measured: true,
		base: figures{inuse: 2 * mib, goroutines: 3, fds: 7}, peak: figures{inuse: 30 * mib, goroutines: 10_003, watchers: 600},
		during: figures{inuse: 4 * mib, watchers: 5, idle: 256}, after: figures{inuse: 3 * mib, goroutines: 3, fds: 7}, notes: []string{"a note"}}
	md := soakMarkdown([]*record{ok}, time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), time.Minute, "0.10 0.20 0.30", "1.00 0.50 0.40", "2 CPUs")
	assert.Contains(t, md, "| w | s | passed | 1.5s | 30.0 | 3.0 | 2.0 | 4.0 | 256 | 3/10003/3 | 7/7 | 600/5 |")
	assert.Contains(t, md, "every soak passed")
	assert.Contains(t, md, "2026-01-02 03:04 UTC")
	assert.Contains(t, md, "before the run: 0.10 0.20 0.30; after: 1.00 0.50 0.40")
	assert.Contains(t, md, "- w: a note")

	bad := &record{what: "x", scale: "y", failed: true}
	md = soakMarkdown([]*record{ok, bad}, time.Now(), time.Minute, "0", "0", "2 CPUs")
	assert.Contains(t, md, "**1 of 2 soaks FAILED**")
	assert.Contains(t, md, "| x | y | **FAILED** | - | - | - | - | - | - | - | - | - |\n")
}
