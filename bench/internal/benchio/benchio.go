// Package benchio holds what every Go benchmark program of bench/ shares: the
// BENCH_SCALE knob, a clock, the JSON result line and the resident set size.
package benchio

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Result is the one JSON line a benchmark program prints per metric.
type Result struct {
	Workload string  `json:"workload"` // the metric's name, matched against report.Metric.Name
	Unit     string  `json:"unit"`     // "ns/op", "req/s", "us" or "B/greenlet"
	Value    float64 `json:"value"`    // one run's measurement, in Unit
}

// Scale reads BENCH_SCALE (quick mode passes less than 1); 1 when unset or
// invalid.
func Scale() float64 {
	v, err := strconv.ParseFloat(os.Getenv("BENCH_SCALE"), 64)
	if err != nil || v <= 0 {
		return 1
	}
	return v
}

// N scales base by Scale, never below 1.
func N(base int) int {
	n := int(float64(base) * Scale())
	if n < 1 {
		return 1
	}
	return n
}

// PerOp returns the nanoseconds per operation of ops operations that took d.
func PerOp(d time.Duration, ops int) float64 {
	return float64(d.Nanoseconds()) / float64(ops)
}

// Emit prints one result line on stdout.
func Emit(workload, unit string, value float64) {
	b, err := json.Marshal(Result{Workload: workload, Unit: unit, Value: value})
	if err != nil {
		Fail(err)
	}
	fmt.Println(string(b))
}

// Fail reports err on stderr and exits non-zero, which the runner records as
// a failed run.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// RSS returns the resident set size of this process in bytes, from
// /proc/self/statm, the same source the C and Python programs use.
func RSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, fmt.Errorf("unexpected /proc/self/statm: %q", b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return pages * int64(os.Getpagesize()), nil
}
