package libevsuite

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/crosscheck"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestTwinsRun runs every registered libev twin in-process: each must finish
// without a panic or Fatalf and print a trace. Whether the trace equals the
// C reference's is what `make crosscheck` checks.
func TestTwinsRun(t *testing.T) {
	var n int
	for _, s := range crosscheck.Registered() {
		if s.Suite != "libev" {
			continue
		}
		n++
		t.Run(s.Name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, crosscheck.RunTwin(s, &buf))
			lines := crosscheck.Lines(buf.String())
			require.NotEmpty(t, lines)
			for _, l := range lines {
				assert.False(t, strings.HasPrefix(l, "PANIC:") || strings.HasPrefix(l, "FATAL:"), l)
			}
		})
	}
	assert.GreaterOrEqual(t, n, 20, "the libev suite has at least 20 scenarios")
}
