//go:build soak

package soak

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// reportPath is where a full soak run leaves its figures, beside the bench
// report (tests run in the package directory).
var reportPath = filepath.Join("..", "..", "bench", "results", "soak.md")

// soakNames lists every soak test: the report is written only when all of
// them ran, so that a `-run TestSoakTimers` alone does not replace the full
// table with one row.
var soakNames = []string{"TestSoakGreenletWaves", "TestSoakTimers", "TestSoakConnections"}

// record is one soak's line in soak.md.
type record struct {
	test     string // the Go test's name
	what     string // what the soak does
	scale    string // how much of it
	elapsed  time.Duration
	measured bool // report ran: the figures below are set
	base     figures
	peak     figures
	during   figures // the hub still alive, the work over
	after    figures
	notes    []string
	failed   bool
}

var (
	recordsMu sync.Mutex
	records   []*record
)

// begin registers the calling soak test's record; its outcome is read
// when the test ends, so a soak that stops early still shows up as failed.
func begin(t *testing.T, what, scale string) *record {
	t.Helper()
	r := &record{test: t.Name(), what: what, scale: scale}
	recordsMu.Lock()
	records = append(records, r)
	recordsMu.Unlock()
	t.Cleanup(func() {
		recordsMu.Lock()
		r.failed = t.Failed()
		recordsMu.Unlock()
	})
	return r
}

// note adds a line to the soak's notes under the table.
func (r *record) note(format string, args ...any) {
	recordsMu.Lock()
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
	recordsMu.Unlock()
}

// reportingM writes soak.md once the tests have run, before goleak looks
// for leaks; it wraps *testing.M so that goleak.VerifyTestMain still owns
// TestMain.
type reportingM struct {
	m         *testing.M
	loadStart string
	started   time.Time
}

// Run runs the tests, then writes the report when every soak ran.
func (r reportingM) Run() int {
	code := r.m.Run()
	recordsMu.Lock()
	defer recordsMu.Unlock()
	ran := map[string]bool{}
	for _, rec := range records {
		ran[rec.test] = true
	}
	for _, name := range soakNames {
		if !ran[name] {
			fmt.Fprintf(os.Stderr, "soak: %s did not run, %s left as it was\n", name, reportPath)
			return code
		}
	}
	md := soakMarkdown(records, r.started, time.Since(r.started), r.loadStart, loadAvg(), machine())
	if err := os.WriteFile(reportPath, []byte(md), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "soak: writing %s: %v\n", reportPath, err)
		if code == 0 {
			code = 1
		}
		return code
	}
	fmt.Fprintf(os.Stderr, "soak: figures written to %s\n", reportPath)
	return code
}

// listenOverflows reads the kernel's TcpExt ListenOverflows counter (SYNs
// dropped because an accept queue was full, system-wide), -1 if unreadable:
// each overflow costs the client a 1 s SYN retransmit, which shows in the
// connection soak's wall time.
func listenOverflows() int64 {
	b, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		return -1
	}
	var keys []string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "TcpExt:" {
			continue
		}
		if keys == nil {
			keys = f
			continue
		}
		for i, k := range keys {
			if k == "ListenOverflows" && i < len(f) {
				var n int64
				if _, err := fmt.Sscan(f[i], &n); err == nil {
					return n
				}
			}
		}
		return -1
	}
	return -1
}

// loadAvg returns /proc/loadavg's 1, 5 and 15 minute averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// machine describes where the soak ran.
func machine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	s := fmt.Sprintf("%d CPUs (nproc), Linux %s, %s", runtime.NumCPU(), strings.TrimSpace(string(kernel)), runtime.Version())
	if gcc, err := exec.Command("gcc", "-dumpfullversion").Output(); err == nil {
		s += ", gcc " + strings.TrimSpace(string(gcc))
	}
	return s
}

func mibCell(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/mib) }

// soakMarkdown renders the records as soak.md.
func soakMarkdown(recs []*record, started time.Time, took time.Duration, loadBefore, loadAfter, mach string) string {
	var b strings.Builder
	b.WriteString("# geventgo soak tests\n\n")
	failed := 0
	for _, r := range recs {
		if r.failed {
			failed++
		}
	}
	verdict := "every soak passed: memory, goroutines and fds came back to their baseline and the hub kept no more cev watchers than it pools"
	if failed > 0 {
		verdict = fmt.Sprintf("**%d of %d soaks FAILED** (see the result column and the `make soak` log)", failed, len(recs))
	}
	fmt.Fprintf(&b, "Written by `make soak` (`go test -tags soak,libev_static -run Soak -timeout 30m -v ./internal/soak/`, sources in `internal/soak/`) on %s in %s; %s. Machine: %s.\n\n",
		started.UTC().Format("2006-01-02 15:04 UTC"), took.Round(time.Second), verdict, mach)
	fmt.Fprintf(&b, "Load average (1, 5, 15 min) before the run: %s; after: %s. Anything well above 0 means other work shared the CPUs and stretched the wall times.\n\n", loadBefore, loadAfter)
	b.WriteString("| soak | scale | result | wall time | peak MiB | after MiB | baseline MiB | hub alive MiB | idle workers | goroutines before/peak/after | fds before/after | cev watchers peak/after |\n")
	b.WriteString("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range recs {
		result := "passed"
		if r.failed {
			result = "**FAILED**"
		}
		if !r.measured {
			fmt.Fprintf(&b, "| %s | %s | %s | - | - | - | - | - | - | - | - | - |\n", r.what, r.scale, result)
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %v | %s | %s | %s | %s | %d | %d/%d/%d | %d/%d | %d/%d |\n",
			r.what, r.scale, result, r.elapsed.Round(time.Millisecond),
			mibCell(r.peak.inuse), mibCell(r.after.inuse), mibCell(r.base.inuse), mibCell(r.during.inuse), r.during.idle,
			r.base.goroutines, r.peak.goroutines, r.after.goroutines,
			r.base.fds, r.after.fds, r.peak.watchers, r.during.watchers)
	}
	b.WriteString("\n*wall time* runs from the soak's hub starting to its end, spawning and joining included, warm-up and measuring left out. ")
	b.WriteString("MiB are Go heap+stack in use (HeapInuse+StackInuse) after two GCs, except *peak*, read at the busiest point without a GC. ")
	b.WriteString("*baseline* is taken before the soak's hub starts, after warming the goroutine free list to the soak's peak (the runtime never frees a dead goroutine's g struct); *after* once the hub is destroyed; *hub alive* once the work is over but before the hub is destroyed: it includes the hub's idle workers (finished greenlets' coroutines kept for the next spawns, ~4.7 KiB each, trimmed by half per second of idleness, see the scheduler package doc), which go with the hub. ")
	fmt.Fprintf(&b, "A soak fails if *after* exceeds *baseline* by more than %s, if goroutines or fds differ from before, if goleak finds a goroutine left over, or if more than %d cev watchers (the hub's async watcher, its two timer pools and the worker pool's trim timer) outlive the work. ", mb(memTolerance), maxPooledWatchers)
	b.WriteString("cev watchers are libev watchers in C memory on the hub's loop, read from the hub; goroutines and fds are for the whole test process.\n")
	var notes []string
	for _, r := range recs {
		for _, n := range r.notes {
			notes = append(notes, fmt.Sprintf("- %s: %s", r.what, n))
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n## Notes\n\n" + strings.Join(notes, "\n") + "\n")
	}
	return b.String()
}
