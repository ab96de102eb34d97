package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestResolveDefaultHosts(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	require.NoError(t, run(&out, defaultHosts, 2*time.Second))
	elapsed := time.Since(start)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	assert.Regexp(t, `^localhost: .*(127\.0\.0\.1|::1)`, lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "no-such-host..invalid: error: "), lines[1])
	// The seed example's contract: values are printed within the 2 s limit.
	assert.Less(t, elapsed, 2*time.Second)
}
