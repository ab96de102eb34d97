package scheduler

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// The memory monitor: gevent's max_memory_usage and memory_monitor_period.
// A hub started with Config.MaxMemoryUsage has the blocking detector's
// goroutine look at the process's memory every MemoryMonitorPeriod and
// report to the hub's error handler, on the hub, when the usage is above the
// limit and still growing, and once when it is back under it, as gevent's
// monitor thread emits MemoryUsageThresholdExceeded and
// MemoryUsageUnderThreshold.

// ErrMemoryUsage is what every memory monitor report (*MemoryUsageError)
// matches.
var ErrMemoryUsage = errors.New("memory usage past the limit")

// DefaultMemoryMonitorPeriod is how often the memory monitor looks when
// Config.MemoryMonitorPeriod is zero (gevent's memory_monitor_period).
const DefaultMemoryMonitorPeriod = 5 * time.Second

// MinMemoryMonitorPeriod is the shortest period the monitor takes: reading
// a large process's memory costs the kernel a walk of its page tables
// (gevent sets the same floor).
const MinMemoryMonitorPeriod = 2 * time.Second

// minMemoryPeriod is MinMemoryMonitorPeriod, lowered by the package's tests.
var minMemoryPeriod = MinMemoryMonitorPeriod

// MemoryUsageError is a memory monitor report: Usage went above Limit, or,
// with Under, came back under it.
type MemoryUsageError struct {
	// Usage is the process's memory in bytes: its unique set size (the
	// pages no other process shares, as gevent reads it with psutil), or
	// its resident set size where the kernel does not tell the first.
	Usage uint64
	Limit uint64 // Config.MaxMemoryUsage
	// Under is false for gevent's MemoryUsageThresholdExceeded: Usage is
	// above Limit and higher than at the monitor's last look (a usage that
	// stays above without growing is not reported again); true for
	// MemoryUsageUnderThreshold: Usage is back under Limit, reported once.
	Under bool
	Last  uint64 // with Under, the usage of the last look above Limit (gevent's max_memory_usage)
}

// Error says the usage and the limit, in MiB.
func (e *MemoryUsageError) Error() string {
	if e == nil {
		return "scheduler: <nil>"
	}
	if e.Under {
		return fmt.Sprintf("scheduler: memory usage %s back under the limit of %s (it was %s)",
			mib(e.Usage), mib(e.Limit), mib(e.Last))
	}
	return fmt.Sprintf("scheduler: memory usage %s exceeds the limit of %s", mib(e.Usage), mib(e.Limit))
}

// Unwrap returns ErrMemoryUsage.
func (e *MemoryUsageError) Unwrap() error { return ErrMemoryUsage }

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// memoryMonitor is one hub's monitor state; only the detector's goroutine
// touches it once the hub is watched.
type memoryMonitor struct {
	limit    uint64
	period   time.Duration
	next     time.Time // when to look next
	exceeded uint64    // the usage of the last look above limit; 0 while under
	read     func() (uint64, error)
}

// newMemoryMonitor returns the monitor of a hub started with cfg, nil
// without a limit.
func newMemoryMonitor(cfg Config, now time.Time) *memoryMonitor {
	if cfg.MaxMemoryUsage == 0 {
		return nil
	}
	return &memoryMonitor{limit: cfg.MaxMemoryUsage, period: cfg.MemoryMonitorPeriod,
		next: now.Add(cfg.MemoryMonitorPeriod), read: processMemory}
}

// look takes usage into account and returns the report to make, nil for
// none: gevent's monitor_memory_usage.
func (m *memoryMonitor) look(usage uint64) *MemoryUsageError {
	if usage > m.limit {
		var report *MemoryUsageError
		if usage > m.exceeded {
			report = &MemoryUsageError{Usage: usage, Limit: m.limit}
		}
		m.exceeded = usage
		return report
	}
	if m.exceeded == 0 {
		return nil
	}
	report := &MemoryUsageError{Usage: usage, Limit: m.limit, Under: true, Last: m.exceeded}
	m.exceeded = 0
	return report
}

// lookAt makes the looks of the hubs whose period is up at now, on the
// detector's goroutine: the memory is read once for them all, and each
// report is handed to its hub (a hub destroyed meanwhile drops it). A read
// that fails is skipped until the next period.
func lookAt(hubs []*Hub, now time.Time) {
	var usage uint64
	var err error
	read := false
	for _, h := range hubs {
		m := h.mem
		m.next = now.Add(m.period)
		if !read {
			usage, err = m.read()
			read = true
		}
		if err != nil {
			continue
		}
		if report := m.look(usage); report != nil {
			_ = h.Post(func() { h.HandleError(report) })
		}
	}
}

// processMemory is readProcessMemory, replaced by the package's tests.
var processMemory = readProcessMemory

// readProcessMemory returns the process's unique set size from
// /proc/self/smaps_rollup (its Private_Clean and Private_Dirty), or its
// resident set size from /proc/self/statm where the first is missing.
func readProcessMemory() (uint64, error) {
	if b, err := os.ReadFile("/proc/self/smaps_rollup"); err == nil {
		if uss, ok := privateBytes(b); ok {
			return uss, nil
		}
	}
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	fields := bytes.Fields(b)
	if len(fields) < 2 {
		return 0, fmt.Errorf("/proc/self/statm: %q: no resident size", b)
	}
	pages, err := strconv.ParseUint(string(fields[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/self/statm: %w", err)
	}
	return pages * uint64(os.Getpagesize()), nil
}

// privateBytes sums the Private_Clean and Private_Dirty lines (in kB) of
// an smaps_rollup; ok is false when either is missing.
func privateBytes(b []byte) (uint64, bool) {
	var sum uint64
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok || (!bytes.Equal(name, []byte("Private_Clean")) && !bytes.Equal(name, []byte("Private_Dirty"))) {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || !bytes.Equal(f[1], []byte("kB")) {
			return 0, false
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return 0, false
		}
		sum += kb << 10
		found++
	}
	return sum, found == 2
}
