package crosscheck

import (
	"context"
	"os"
	"strings"
	"testing"

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

func TestRunReportsPanickingTwin(t *testing.T) {
	r := newTestRunner(t)
	res := r.Run(context.Background(), "harness", "panics")
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "PANIC: boom")
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
