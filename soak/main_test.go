//go:build soak

package soak

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain runs the soaks under goleak and, after a full run, writes
// bench/results/soak.md.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(reportingM{m: m, loadStart: loadAvg(), started: time.Now()})
}
