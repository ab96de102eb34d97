package scheduler

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The monitor reports as gevent's monitor_memory_usage: above the limit
// and higher than at the last look (180 then 190 is reported), each look;
// above and not higher, nothing; back under, once,
// with the last usage seen above.
func TestMemoryMonitorLooks(t *testing.T) {
	m := &memoryMonitor{limit: 100}
	var got []string
	for _, usage := range []uint64{50, 150, 200, 180, 190, 220, 90, 80, 120} {
		r := m.look(usage)
		if r == nil {
			got = append(got, "-")
			continue
		}
		assert.ErrorIs(t, r, ErrMemoryUsage)
		if r.Under {
			got = append(got, "under, was "+strconv.FormatUint(r.Last, 10))
		} else {
			got = append(got, "exceeded "+strconv.FormatUint(r.Usage, 10))
		}
	}
	assert.Equal(t, []string{"-", "exceeded 150", "exceeded 200", "-", "exceeded 190", "exceeded 220", "under, was 220", "-", "exceeded 120"}, got)
}

// A hub started with MaxMemoryUsage gets the reports at its error handler,
// on the hub, every period; Destroy stops the monitor with the hub.
func TestMemoryMonitorReportsToTheHub(t *testing.T) {
	clearConfigEnv(t)
	defer func(p time.Duration, read func() (uint64, error)) { minMemoryPeriod, processMemory = p, read }(minMemoryPeriod, processMemory)
	minMemoryPeriod = time.Millisecond
	var mu sync.Mutex
	usages := []uint64{50 << 20, 300 << 20, 80 << 20}
	processMemory = func() (uint64, error) {
		mu.Lock()
		defer mu.Unlock()
		u := usages[0]
		if len(usages) > 1 {
			usages = usages[1:]
		}
		return u, nil
	}
	cfg := Config{MaxMemoryUsage: 100 << 20, MemoryMonitorPeriod: 5 * time.Millisecond}
	require.NoError(t, cfg.Main(func() error {
		h := CurrentHub()
		var reports []*MemoryUsageError
		h.SetErrorHandler(func(err error) {
			var me *MemoryUsageError
			if errors.As(err, &me) {
				assert.Equal(t, CurrentHub(), h, "reported on the hub")
				reports = append(reports, me)
			}
		})
		pollHub(t, func() bool { return len(reports) == 2 })
		assert.Equal(t, &MemoryUsageError{Usage: 300 << 20, Limit: 100 << 20}, reports[0])
		assert.Equal(t, &MemoryUsageError{Usage: 80 << 20, Limit: 100 << 20, Under: true, Last: 300 << 20}, reports[1])
		assert.Equal(t, "scheduler: memory usage 300.0 MiB exceeds the limit of 100.0 MiB", reports[0].Error())
		assert.Equal(t, "scheduler: memory usage 80.0 MiB back under the limit of 100.0 MiB (it was 300.0 MiB)", reports[1].Error())
		return nil
	}))
}

// The period is at least MinMemoryMonitorPeriod, as gevent floors it, and
// defaults to DefaultMemoryMonitorPeriod; without a limit there is no
// monitor.
func TestMemoryMonitorPeriod(t *testing.T) {
	clearConfigEnv(t)
	for _, c := range []struct {
		set, want time.Duration
	}{{0, DefaultMemoryMonitorPeriod}, {time.Millisecond, MinMemoryMonitorPeriod}, {time.Minute, time.Minute}} {
		h, err := Config{MaxMemoryUsage: 1, MemoryMonitorPeriod: c.set}.NewHub()
		require.NoError(t, err)
		assert.Equal(t, c.want, h.mem.period)
		require.NoError(t, h.Destroy())
	}
	h, err := NewHub()
	require.NoError(t, err)
	assert.Nil(t, h.mem)
	require.NoError(t, h.Destroy())
}

// The real reading: this process's unique set size, some MiB, not more
// than its resident set.
func TestReadProcessMemory(t *testing.T) {
	uss, err := readProcessMemory()
	require.NoError(t, err)
	assert.Greater(t, uss, uint64(1<<20))
	statm, err := os.ReadFile("/proc/self/statm")
	require.NoError(t, err)
	var size, resident uint64
	_, err = fmt.Sscan(string(statm), &size, &resident)
	require.NoError(t, err)
	assert.LessOrEqual(t, uss, 2*resident*uint64(os.Getpagesize()), "within the resident set (it moves between the reads)")

	sum, ok := privateBytes([]byte("Rss:  100 kB\nPrivate_Clean:  3 kB\nPrivate_Dirty:   5 kB\n"))
	assert.True(t, ok)
	assert.Equal(t, uint64(8<<10), sum)
	_, ok = privateBytes([]byte("Rss:  100 kB\n"))
	assert.False(t, ok, "no private lines: fall back to the resident set")
}
