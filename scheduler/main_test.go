package scheduler

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bg is the context of waits that only their own events end.
var bg = context.Background()

// within returns a context whose deadline is d from now, cancelled when the
// test ends.
func within(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(bg, d)
	t.Cleanup(cancel)
	return ctx
}

// startTimeout starts a Timeout of d in the calling greenlet.
func startTimeout(t testing.TB, d time.Duration) *Timeout {
	return startTimeoutErr(t, d, nil)
}

// startTimeoutErr starts a Timeout of d raising err.
func startTimeoutErr(t testing.TB, d time.Duration, err error) *Timeout {
	t.Helper()
	to := NewTimeout(d, err)
	if serr := to.Start(); serr != nil {
		t.Fatalf("Timeout.Start: %v", serr)
	}
	return to
}

// pollHub runs the hub (1 ms sleeps) until cond holds, failing the test
// after 10 s: the way to wait for what greenlets do on their own time.
func pollHub(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		require.False(t, time.Now().After(deadline), "condition not met within 10 s")
		require.NoError(t, Sleep(bg, time.Millisecond))
	}
}

// withHub runs fn with a fresh hub whose errors go to the returned buffer.
func withHub(t *testing.T, fn func(h *Hub, errs *bytes.Buffer)) {
	t.Helper()
	h, err := NewHub()
	require.NoError(t, err)
	var buf bytes.Buffer
	h.SetErrorOutput(&buf)
	fn(h, &buf)
	require.NoError(t, h.Destroy())
}
