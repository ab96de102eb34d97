package crosscheck

import (
	"context"
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
}

// TestMain doubles as the twin runner: the harness re-executes this test
// binary with -twin, exactly as cmd/crosscheck re-executes itself.
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
	dir := filepath.Join(root, SuiteDir("harness"))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	script := "print('start', 1)\nprint('# a note, not compared')\nprint('value', 2)\n"
	for _, name := range []string{"same", "differs", "panics"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".py"), []byte(script), 0o644))
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
