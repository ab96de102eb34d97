package crosscheck

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Timing-mark twins: each prints the reference's trace only from its second
// attempt on, counted by a file in its working directory (the suite's testdata
// directory of the test's temporary root).
func init() {
	for _, name := range []string{"flaky_marked", "flaky_unmarked", "broken_marked"} {
		Register("gevent", name, flakyTwin(name))
	}
	MarkTiming("gevent", "flaky_marked", "test: passes on its second attempt")
	MarkTiming("gevent", "broken_marked", "test: fails on every attempt")
}

func flakyTwin(name string) func(t *T) {
	return func(t *T) {
		t.Println("start", 1)
		_, err := os.Stat(name + ".attempted")
		if name == "broken_marked" || errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(name+".attempted", nil, 0o644); err != nil {
				t.Fatalf("%v", err)
			}
			t.Println("value", 3)
			return
		}
		t.Println("value", 2)
	}
}

func TestRunMarkedRetriesOnlyMarkedScenarios(t *testing.T) {
	r := newTestRunner(t)
	ctx := context.Background()

	out := r.RunMarked(ctx, "gevent", "flaky_marked")
	require.NoError(t, out.Err)
	require.NotNil(t, out.Retried, "the pass came from the retry")
	assert.Contains(t, out.Retried.Err.Error(), "+value 3")
	assert.Equal(t, "test: passes on its second attempt", out.Mark)

	out = r.RunMarked(ctx, "gevent", "flaky_unmarked")
	require.Error(t, out.Err, "an unmarked scenario gets no retry")
	assert.Nil(t, out.Retried)
	assert.Empty(t, out.Mark)

	out = r.RunMarked(ctx, "gevent", "broken_marked")
	require.Error(t, out.Err, "a mark buys one retry, not a pass")
	require.NotNil(t, out.Retried)
}

func TestMarkTimingRules(t *testing.T) {
	for _, suite := range []string{"libev", "greenlet"} {
		assert.Panics(t, func() { MarkTiming(suite, "x", "some timing") }, "%s is deterministic", suite)
	}
	assert.Panics(t, func() { MarkTiming("gevent", "x", " ") }, "a mark needs a reason")
	assert.Panics(t, func() { MarkTiming("gevent", "flaky_marked", "again") }, "one mark per scenario")
	reason, ok := TimingMark("gevent", "flaky_marked")
	assert.True(t, ok)
	assert.Equal(t, "test: passes on its second attempt", reason)
	assert.Contains(t, MarkedScenarios(), "gevent/flaky_marked")

	// A name of its own per run: the registry is process-wide, and -count=2 runs this again.
	name := fmt.Sprintf("marked_before_registered_%d", staleMarkRuns.Add(1))
	MarkTiming("gevent", name, "test: a stale mark")
	err := CheckMarks()
	require.ErrorIs(t, err, ErrStaleMark)
	assert.Contains(t, err.Error(), "gevent/"+name)
	Register("gevent", name, func(*T) {})
	assert.NoError(t, CheckMarks())
}

// staleMarkRuns counts TestMarkTimingRules's runs in this process.
var staleMarkRuns atomic.Int64
