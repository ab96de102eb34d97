package libevsuite

import (
	"bytes"
	"math"
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

// TestInRangeToleratesTheRoundingOfNowPlusRepeat: where the loop's clock
// nears a power of two (a monotonic clock at 32768 s, nine hours of uptime),
// at = now + repeat rounds up by an ulp and at - now exceeds repeat, so the
// timer_again check "remaining in (4.5, 5]" failed with an exact bound: for
// a few seconds in every binade, crosscheck failed on the Go side or the C
// side, whichever process read such a clock.
func TestInRangeToleratesTheRoundingOfNowPlusRepeat(t *testing.T) {
	now := 32763.0
	for ; now < 32768; now = math.Nextafter(now, 32768) {
		if (now+5)-now > 5 {
			break
		}
		now += 0.1
	}
	require.Less(t, now, 32768.0, "a clock value whose now+5 rounds up")
	rem := (now + 5) - now
	require.False(t, rem > 4.5 && rem <= 5, "the exact bound fails there: %v", rem)
	assert.True(t, inRange(rem, 4.5, 5), "inRange tolerates it: %v", rem)
	assert.False(t, inRange(5.001, 4.5, 5), "but not a real excess")
}
