package backoff

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBounds(t *testing.T) {
	const ms = time.Millisecond
	for _, c := range []struct {
		name                   string
		minD, maxD, wMin, wMax time.Duration
	}{
		{"both zero: the defaults", 0, 0, 10 * ms, time.Second},
		{"both set: as given", 2 * ms, 5 * ms, 2 * ms, 5 * ms},
		{"a maximum below the default minimum lowers it", 0, 5 * ms, 5 * ms, 5 * ms},
		{"a maximum above it keeps it", 0, 50 * ms, 10 * ms, 50 * ms},
		{"a minimum above the default maximum raises it", 2 * time.Second, 0, 2 * time.Second, 2 * time.Second},
		{"a minimum below it keeps it", ms, 0, ms, time.Second},
	} {
		gotMin, gotMax := Bounds(c.minD, c.maxD, 10*ms, time.Second)
		assert.Equal(t, c.wMin, gotMin, c.name)
		assert.Equal(t, c.wMax, gotMax, c.name)
	}
}
