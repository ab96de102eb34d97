package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/geventgo/geventgo/bench/internal/report"
)

// Meta describes the sitting a report comes from.
type Meta struct {
	Quick     bool          // -quick: the quick subset, fewer runs, smaller N
	Reps      int           // runs per implementation asked for (a workload's MaxReps may cap it)
	Scale     float64       // the BENCH_SCALE every program got
	Started   time.Time     // when the runs began
	Elapsed   time.Duration // how long the runs took
	Workloads []Workload    // the workloads that ran
	// LoadBefore and LoadAfter are /proc/loadavg's 1, 5 and 15 minute
	// averages around the runs: other work on the machine skews the numbers.
	LoadBefore, LoadAfter string
}

// loadAvg returns the first three fields of /proc/loadavg.
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

// writeResults writes latest.json, latest.svg and latest.md into dir.
func writeResults(dir string, rows []report.Row, vs []Verdict, meta Meta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := report.JSON(rows)
	if err != nil {
		return err
	}
	title := "geventgo vs C libev, gevent and Go"
	if meta.Quick {
		title += " (quick run)"
	}
	md := markdown(rows, vs, meta, title)
	// The soak figures are written by another run (make soak); link them
	// only when that run has left its report here.
	if _, err := os.Stat(filepath.Join(dir, "soak.md")); err == nil {
		md += "\nSoak figures (memory, goroutines, fds and cev watchers back to their baseline after 1M greenlets, 100k timers and 10k connections): [soak.md](soak.md), written by `make soak`.\n"
	}
	files := map[string]string{
		"latest.json": string(js),
		"latest.svg":  report.SVG(rows, title),
		"latest.md":   md,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// machine describes where the numbers were taken.
func machine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	py, _ := exec.Command(Python, "-c", "import sys, gevent, greenlet; print('Python %d.%d.%d' % sys.version_info[:3], 'gevent', gevent.__version__, 'greenlet', greenlet.__version__)").Output()
	gcc, _ := exec.Command("gcc", "-dumpfullversion").Output()
	return fmt.Sprintf("%d CPUs, Linux %s, %s, gcc %s, %s", runtime.NumCPU(), strings.TrimSpace(string(kernel)),
		runtime.Version(), strings.TrimSpace(string(gcc)), strings.TrimSpace(string(py)))
}

// capped names the workloads that ran fewer times than asked, and why.
func capped(meta Meta) string {
	var out []string
	for _, w := range meta.Workloads {
		if n := w.reps(meta.Reps); n < meta.Reps {
			times := fmt.Sprintf("%d times", n)
			if n == 1 {
				times = "once"
			}
			out = append(out, w.Name+" ran "+times)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " Capped on purpose (slow runs, figures that barely vary): " + strings.Join(out, ", ") + "."
}

func markdown(rows []report.Row, vs []Verdict, meta Meta, title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	mode := "`make bench` (`go run ./bench/cmd/benchreport`)"
	if meta.Quick {
		mode = "`make bench-quick` (`go run ./bench/cmd/benchreport -quick`)"
	}
	fmt.Fprintf(&b, "Written by %s on %s in one sitting of %s: every implementation run %d times, interleaved, BENCH_SCALE=%g. Machine: %s.%s\n\n",
		mode, meta.Started.UTC().Format("2006-01-02 15:04 UTC"), meta.Elapsed.Round(time.Second), meta.Reps, meta.Scale, machine(), capped(meta))
	if meta.LoadBefore != "" {
		fmt.Fprintf(&b, "Load average (1, 5, 15 min) before the runs: %s; after: %s. Anything well above 0 means other work shared the CPUs and inflated the numbers and their spread.\n\n", meta.LoadBefore, meta.LoadAfter)
	}
	b.WriteString(unitCostsLine(rows))
	b.WriteString("![geventgo against C libev, gevent and Go, log scale](latest.svg)\n\n")
	b.WriteString("Each cell is the median with the min-max of the runs. Ratios are of medians: for ns/op, ns/req, calls/req, us and B/greenlet lower is better (geventgo/C of 1.3x means 30% slower than C; gevent/geventgo of 20x means gevent takes 20 times as long); for req/s higher is better. ")
	b.WriteString("Plain Go runs every program twice: at GOMAXPROCS=1 (Go P1, the baseline the goals compare with, since a hub runs on one core) and at GOMAXPROCS=2 (Go P2). ")
	b.WriteString("A server's CPU per request (ns/req) is the server process's CPU time, every thread, over the load generator's measuring window divided by the requests in it: unlike requests per second it does not depend on how much of the 2 cores the load generator takes. ")
	b.WriteString("System calls per request (calls/req) are counted by perf over the same window in a run of their own. How each figure is taken: [docs/bench.md](../../docs/bench.md). ")
	b.WriteString("*n/a*: the workload has no such implementation; *not built*: the implementation does not exist yet or does not compile (never faked); *failed*: it built but no run succeeded.\n\n")
	b.WriteString(report.Markdown(rows))
	b.WriteString("\n" + targetsMarkdown(vs, rows))
	b.WriteString("\n## Workloads\n\n")
	for _, w := range meta.Workloads {
		for _, m := range w.Metrics {
			fmt.Fprintf(&b, "- **%s** (%s): %s.", m.Name, m.Unit, m.Title)
			if m.Bound != "" {
				fmt.Fprintf(&b, " Bound by: %s.", m.Bound)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nSources: `bench/c/NAME.c` (C against the vendored libev 4.33 with geventgo's `cev/ev_config.h`), `bench/py/NAME.py` (gevent, /usr/bin/python3), `bench/go/NAME/` (plain Go), `bench/geventgo/NAME/` (geventgo); the echo load generator `bench/loadgen/` is the same for every server.\n")
	var notes []string
	for _, r := range rows {
		for _, impl := range report.Impls {
			c := r.Cell(impl)
			if c.Note != "" && c.Status != report.NotApplicable {
				notes = append(notes, fmt.Sprintf("- %s / %s (%s): %s", r.Metric.Name, impl.Label(), c.Status, c.Note))
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n## Notes on missing or failed cells\n\n" + strings.Join(notes, "\n") + "\n")
	}
	return b.String()
}
