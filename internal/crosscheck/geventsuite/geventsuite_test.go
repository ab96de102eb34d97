package geventsuite

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/crosscheck"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestTwinsRun runs every registered gevent twin in-process: each must
// finish without a panic or Fatalf and print a trace, and must leave no
// goroutine behind (each twin destroys its hub). Whether the trace matches
// gevent is the job of `make crosscheck`, which runs the Python references.
func TestTwinsRun(t *testing.T) {
	n := 0
	for _, s := range crosscheck.Registered() {
		if s.Suite != "gevent" {
			continue
		}
		n++
		t.Run(s.Name, func(t *testing.T) {
			var buf bytes.Buffer
			err := crosscheck.RunTwin(s, &buf)
			require.NoError(t, err, "trace so far:\n%s", buf.String())
			assert.NotEmpty(t, crosscheck.Lines(buf.String()), "twin printed no trace lines")
		})
	}
	require.GreaterOrEqual(t, n, 40, "the gevent suite must hold at least 40 scenarios")
}

// TestEveryReferenceHasATwin keeps testdata and the registry in step, so a
// Python reference without a Go twin is caught by go test as well.
func TestEveryReferenceHasATwin(t *testing.T) {
	r := &crosscheck.Runner{Root: "../../.."}
	names, err := r.References("gevent")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		_, err := crosscheck.Lookup("gevent", name)
		assert.NoError(t, err, "reference %s.py has no Go twin", name)
	}
}
