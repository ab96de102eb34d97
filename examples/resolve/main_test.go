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
	require.NoError(t, run(&out, defaultHosts, 2*time.Second))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	assert.Regexp(t, `^localhost: .*(127\.0\.0\.1|::1)`, lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "no-such-host..invalid: error: "), lines[1])
	// The seed example's contract is that every value is printed within the
	// 2 s JoinAll limit: a job still running then prints "not resolved".
	assert.NotContains(t, out.String(), "not resolved")
}
