package crosscheck

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestMissingTwinAndReference(t *testing.T) {
	r := newTestRunner(t)
	res := r.Run(context.Background(), "harness", "nosuch")
	require.ErrorIs(t, res.Err, ErrUnknownScenario)

	Register("harness", "noref", func(t *T) {})
	t.Cleanup(func() { unregister("harness", "noref") }) // -count=2 registers it again
	res = r.Run(context.Background(), "harness", "noref")
	require.ErrorIs(t, res.Err, ErrNoReference)
}

// unregister removes a scenario a test registered.
func unregister(suite, name string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	delete(registry, suite+"/"+name)
}

func TestLinesDropsNotesAndBlankLines(t *testing.T) {
	assert.Equal(t, []string{"a", "b  c"}, Lines("a  \n# note\n\nb  c\r\n"))
}
