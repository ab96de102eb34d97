package crosscheck

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func init() {
	Register("harness", "same", func(t *T) {
		t.Println("start", 1)
		t.Printf("value %d", 2)
	})
	Register("harness", "differs", func(t *T) {
		t.Println("start", 1)
		t.Println("value", 3)
	})
	Register("harness", "panics", func(t *T) {
		t.Println("start", 1)
		panic("boom")
	})
	Register("harness", "errorf", func(t *T) {
		t.Println("start", 1)
		t.Errorf("hub destroy: %s", "boom")
		t.Printf("value %d", 2)
	})
	// Timing-mark twins: each prints the reference's trace only from its
	// second attempt on, counted by a file in its working directory (the
	// suite's testdata directory of the test's temporary root).
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

// TestMain doubles as the twin runner: the harness re-executes this test
// binary with -twin, exactly as the crosscheck command (internal/crosscheck/cmd) re-executes itself.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "-twin" {
		suite, name, _ := strings.Cut(os.Args[2], "/")
		s, err := Lookup(suite, name)
		if err != nil {
			os.Exit(2)
		}
		if RunTwin(s, os.Stdout) != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

func newTestRunner(t *testing.T) *Runner {
	root := t.TempDir()
	script := "print('start', 1)\nprint('# a note, not compared')\nprint('value', 2)\n"
	for suite, names := range map[string][]string{
		"harness": {"same", "differs", "panics", "errorf"},
		"gevent":  {"flaky_marked", "flaky_unmarked", "broken_marked"},
	} {
		dir := filepath.Join(root, SuiteDir(suite))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, name := range names {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name+".py"), []byte(script), 0o644))
		}
	}
	self, err := os.Executable()
	require.NoError(t, err)
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("needs /usr/bin/python3 (make deps installs it)")
	}
	return &Runner{Root: root, Self: self, Python: python, CC: "cc", Timeout: 20 * time.Second}
}

func TestRunPassesOnEqualTraces(t *testing.T) {
	r := newTestRunner(t)
	res := r.Run(context.Background(), "harness", "same")
	require.NoError(t, res.Err)
	assert.Equal(t, []string{"start 1", "value 2"}, res.Ref)
	assert.Equal(t, res.Ref, res.Got)
}

func TestRunShowsDiffOnMismatch(t *testing.T) {
	r := newTestRunner(t)
	res := r.Run(context.Background(), "harness", "differs")
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "-value 2")
	assert.Contains(t, res.Err.Error(), "+value 3")
}

func TestRunReportsPanickingTwin(t *testing.T) {
	r := newTestRunner(t)
	res := r.Run(context.Background(), "harness", "panics")
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "PANIC: boom")
}

func TestMissingTwinAndReference(t *testing.T) {
	r := newTestRunner(t)
	res := r.Run(context.Background(), "harness", "nosuch")
	require.ErrorIs(t, res.Err, ErrUnknownScenario)

	Register("harness", "noref", func(t *T) {})
	res = r.Run(context.Background(), "harness", "noref")
	require.ErrorIs(t, res.Err, ErrNoReference)
}

func TestLinesDropsNotesAndBlankLines(t *testing.T) {
	assert.Equal(t, []string{"a", "b  c"}, Lines("a  \n# note\n\nb  c\r\n"))
}

func TestRegisteredIsSortedBySuiteOrder(t *testing.T) {
	s := []Scenario{{Suite: "gevent", Name: "a"}, {Suite: "zzz", Name: "a"}, {Suite: "libev", Name: "b"}, {Suite: "libev", Name: "a"}}
	sortScenarios(s)
	var ids []string
	for _, x := range s {
		ids = append(ids, x.ID())
	}
	assert.Equal(t, []string{"libev/a", "libev/b", "gevent/a", "zzz/a"}, ids)
}

func TestErrorfFailsTheTwinAndShowsInTheTrace(t *testing.T) {
	r := newTestRunner(t)
	res := r.Run(context.Background(), "harness", "errorf")
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "+ERROR: hub destroy: boom")
	assert.Contains(t, res.Err.Error(), "exit status 1", "the twin's process reports the failure")
	assert.Equal(t, []string{"start 1", "ERROR: hub destroy: boom", "value 2"}, res.Got, "Errorf does not stop the twin")
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

	MarkTiming("gevent", "marked_before_registered", "test: a stale mark")
	err := CheckMarks()
	require.ErrorIs(t, err, ErrStaleMark)
	assert.Contains(t, err.Error(), "gevent/marked_before_registered")
	Register("gevent", "marked_before_registered", func(*T) {})
	assert.NoError(t, CheckMarks())
}
