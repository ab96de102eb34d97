//go:build soak

package soak

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// bg is the context of the soaks' waits, which end by themselves.
var bg = context.Background()

// TestMain runs the soaks under goleak and, after a full run, writes
// bench/results/soak.md.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(reportingM{m: m, loadStart: loadAvg(), started: time.Now()})
}
