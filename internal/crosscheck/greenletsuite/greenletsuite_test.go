package greenletsuite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/crosscheck"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestScenarios runs every greenlet scenario in process: the Python
// reference through the harness's Runner and the twin through RunTwin, so
// `go test` checks the suite without the crosscheck command.
func TestScenarios(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no /usr/bin/python3 with greenlet")
	}
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	r := &crosscheck.Runner{Root: root, Python: python, Timeout: 30 * time.Second}
	refs, err := r.References("greenlet")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(refs), 25)
	registered := 0
	for _, s := range crosscheck.Registered() {
		if s.Suite == "greenlet" {
			registered++
		}
	}
	assert.Equal(t, len(refs), registered, "every reference has a twin and back")
	for _, name := range refs {
		t.Run(name, func(t *testing.T) {
			ref, err := r.Reference(context.Background(), "greenlet", name)
			require.NoError(t, err)
			s, err := crosscheck.Lookup("greenlet", name)
			require.NoError(t, err)
			var out bytes.Buffer
			done := make(chan error, 1)
			// A fresh goroutine per twin: its own main greenlet.
			go func() { done <- crosscheck.RunTwin(s, &out) }()
			require.NoError(t, <-done)
			got := crosscheck.Lines(out.String())
			assert.Empty(t, crosscheck.Diff(ref, got, name+".py"))
		})
	}
}
