// Command benchreport builds every benchmark program of bench/ (C against
// the vendored libev, Python gevent, plain Go and geventgo), runs them in one
// sitting with the implementations interleaved, and prints and writes the
// side-by-side report: bench/results/latest.json, latest.md and latest.svg.
//
// Run it from the repository root after `make libev` (make bench does):
//
//	go run ./bench/cmd/benchreport          # the full suite
//	go run ./bench/cmd/benchreport -quick   # a subset in a minute or two
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/bench/internal/report"
)

type options struct {
	quick    bool
	reps     int
	scale    float64
	only     string
	out      string
	timeout  time.Duration
	duration time.Duration
	httpDur  time.Duration
	targets  string
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "run the quick subset (3 runs each, smaller N) in a minute or two")
	flag.IntVar(&o.reps, "reps", 0, "runs per implementation (default 5, 3 with -quick)")
	flag.Float64Var(&o.scale, "scale", 0, "BENCH_SCALE passed to every program (default 1, 0.2 with -quick)")
	flag.StringVar(&o.only, "only", "", "comma-separated workload names to run (default: all, or the quick subset)")
	flag.StringVar(&o.out, "out", "bench/results", "directory for latest.json, latest.md and latest.svg")
	flag.DurationVar(&o.timeout, "timeout", time.Minute, "limit for one run of one program")
	flag.DurationVar(&o.duration, "duration", 0, "echo load-generator measuring time (default 1s, 400ms with -quick)")
	flag.DurationVar(&o.httpDur, "http-duration", 0, "wrk's measuring time for the HTTP server rows, in whole seconds (default 10s, 1s with -quick), after a 1s warm-up")
	flag.StringVar(&o.targets, "targets", TargetsFile, "the goals checked against the run (relative to the repository root)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// defaults fills in what the flags left at zero.
func (o *options) defaults() {
	if o.reps <= 0 {
		o.reps = 5
		if o.quick {
			o.reps = 3
		}
	}
	if o.scale <= 0 {
		o.scale = 1
		if o.quick {
			o.scale = 0.2
		}
	}
	if o.duration <= 0 {
		o.duration = time.Second
		if o.quick {
			o.duration = 400 * time.Millisecond
		}
	}
	if o.httpDur <= 0 {
		o.httpDur = 10 * time.Second
		if o.quick {
			o.httpDur = time.Second
		}
	}
}

// ErrUnknownWorkload is returned for a -only name that is not in the suite.
var ErrUnknownWorkload = errors.New("unknown workload")

// selectWorkloads picks the workloads to run: -only's list, else the quick
// subset or everything.
func selectWorkloads(all []Workload, only string, quick bool) ([]Workload, error) {
	if only != "" {
		var out []Workload
		for _, name := range strings.Split(only, ",") {
			name = strings.TrimSpace(name)
			i := slices.IndexFunc(all, func(w Workload) bool { return w.Name == name })
			if i < 0 {
				return nil, fmt.Errorf("%w %q", ErrUnknownWorkload, name)
			}
			out = append(out, all[i])
		}
		return out, nil
	}
	if !quick {
		return all, nil
	}
	var out []Workload
	for _, w := range all {
		if w.Quick {
			out = append(out, w)
		}
	}
	return out, nil
}

// findRoot returns the repository root: the nearest directory upwards that
// holds bench/cmd/benchreport.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "bench", "cmd", "benchreport")); err == nil && st.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from the geventgo repository (bench/cmd/benchreport not found)")
		}
		dir = parent
	}
}

// step is one run of one implementation of one workload.
type step struct {
	w    Workload
	impl report.Impl
	rep  int
	job  job
}

// ready is the build of what runs w's impl: its program, or not built when
// the program or, for a client workload, its server was not.
func ready(w Workload, impl report.Impl, progs map[progKey]built) built {
	b := progs[progKey{impl, w.ProgramName(impl)}]
	if w.Against == "" || b.status != report.OK {
		return b
	}
	if srv := progs[progKey{report.GeventGo, w.Against}]; srv.status != report.OK {
		return built{status: report.NotBuilt, note: "its server " + w.Against + ": " + srv.note}
	}
	return b
}

// jobFor is the run of w's impl, whose programs are ready: the program with
// w's arguments, the implementation's environment, and a client workload's
// server with its arguments.
func jobFor(w Workload, impl report.Impl, progs map[progKey]built) job {
	j := job{w: w, env: implEnv(impl),
		argv: append(slices.Clone(progs[progKey{impl, w.ProgramName(impl)}].argv), w.Args[impl]...)}
	if w.Against != "" {
		j.server = append(slices.Clone(progs[progKey{report.GeventGo, w.Against}].argv), w.AgainstArgs...)
	}
	return j
}

// plan interleaves the runs: for each workload, repetition after
// repetition, every built implementation once, the starting one rotating so
// no implementation always runs first (on a warmer or colder machine).
func plan(ws []Workload, reps int, progs map[progKey]built) []step {
	var out []step
	for _, w := range ws {
		var impls []report.Impl
		for _, impl := range report.Impls {
			if w.Applies(impl) && ready(w, impl, progs).status == report.OK {
				impls = append(impls, impl)
			}
		}
		for rep := range w.reps(reps) {
			for k := range impls {
				impl := impls[(k+rep)%len(impls)]
				out = append(out, step{w: w, impl: impl, rep: rep + 1, job: jobFor(w, impl, progs)})
			}
		}
	}
	return out
}

// newRows lays out the table before any run: a row per metric, its cells
// not applicable, not built, or waiting for values.
func newRows(ws []Workload, progs map[progKey]built) []report.Row {
	var rows []report.Row
	for _, w := range ws {
		for _, m := range w.Metrics {
			row := report.Row{Metric: m, Cells: map[report.Impl]report.Cell{}}
			for _, impl := range report.Impls {
				if !w.Applies(impl) {
					continue
				}
				if b := ready(w, impl, progs); b.status != report.OK {
					row.Cells[impl] = report.Cell{Status: report.NotBuilt, Note: b.note}
					continue
				}
				row.Cells[impl] = report.Cell{Status: report.OK}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// record adds one run's outcome to the rows of its workload.
func record(rows []report.Row, s step, vals map[string]float64, err error) {
	for i := range rows {
		m := rows[i].Metric
		if !slices.ContainsFunc(s.w.Metrics, func(x report.Metric) bool { return x.Name == m.Name }) {
			continue
		}
		c := rows[i].Cells[s.impl]
		if err != nil {
			c.Note = fmt.Sprintf("run %d: %v", s.rep, err)
		} else {
			c.Values = append(c.Values, vals[m.Name])
		}
		rows[i].Cells[s.impl] = c
	}
}

// finish marks cells that never got a value as failed.
func finish(rows []report.Row) {
	for _, r := range rows {
		for impl, c := range r.Cells {
			if c.Status == report.OK && len(c.Values) == 0 {
				c.Status = report.Failed
				r.Cells[impl] = c
			}
		}
	}
}

func run(ctx context.Context, o options) error {
	o.defaults()
	root, err := findRoot()
	if err != nil {
		return err
	}
	ws, err := selectWorkloads(workloads, o.only, o.quick)
	if err != nil {
		return err
	}
	goals, err := loadTargets(inRoot(root, o.targets), workloads)
	if err != nil {
		return err
	}
	start := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	b := &builder{root: root, dir: filepath.Join(root, "bench", ".build"), log: logf}
	progs, loadgen, err := b.buildAll(ctx, ws)
	if err != nil {
		return err
	}
	for k, p := range progs {
		if p.status != report.OK && k.impl != report.GeventGo {
			logf("warning: %s %s not built: %s", k.impl.Label(), k.name, p.note)
		}
	}
	r := &runner{root: root, scale: o.scale, timeout: o.timeout, loadgen: loadgen, duration: o.duration, httpDuration: o.httpDur}
	load0 := loadAvg()
	rows, err := runSteps(ctx, r, ws, progs, o.reps, logf)
	if err != nil {
		return err
	}
	vs := checkGoals(goals, rows)
	prof := &profiler{r: r, dir: filepath.Join(b.dir, "profiles"), ws: ws, progs: progs, logf: logf}
	addEvidence(vs, rows, prof.profileMissed(ctx, vs))
	fmt.Print(report.Text(rows))
	fmt.Print(targetsText(vs, rows))
	fmt.Print(unitCostsLine(rows))
	meta := Meta{Quick: o.quick, Reps: o.reps, Scale: o.scale, Started: start, Elapsed: time.Since(start), Workloads: ws,
		LoadBefore: load0, LoadAfter: loadAvg()}
	out := inRoot(root, o.out)
	if err := writeResults(out, rows, vs, meta); err != nil {
		return err
	}
	logf("wrote %s/latest.json, latest.md and latest.svg", out)
	return nil
}

// inRoot resolves a path given relative to the repository root.
func inRoot(root, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(root, path)
}

// runSteps runs every step of the plan, interleaved, and returns the rows
// with their values.
func runSteps(ctx context.Context, r *runner, ws []Workload, progs map[progKey]built, reps int, logf func(string, ...any)) ([]report.Row, error) {
	rows := newRows(ws, progs)
	steps := plan(ws, reps, progs)
	logf("running %d workloads, %d runs (%d per implementation, BENCH_SCALE=%g); load average %s", len(ws), len(steps), reps, r.scale, loadAvg())
	for i, s := range steps {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		t0 := time.Now()
		vals, err := r.run(ctx, s.job)
		record(rows, s, vals, err)
		logf("%3d/%d left %3d  %-16s %-8s run %d/%d  %s", i+1, len(steps), len(steps)-i-1, s.w.Name, s.impl, s.rep, s.w.reps(reps), describe(s.w, vals, err, time.Since(t0)))
	}
	finish(rows)
	return rows, nil
}

// describe is the progress line's summary of one run.
func describe(w Workload, vals map[string]float64, err error, took time.Duration) string {
	if err != nil {
		return "FAILED: " + firstLine(err.Error())
	}
	var parts []string
	for _, m := range w.Metrics {
		parts = append(parts, report.FormatValue(vals[m.Name])+" "+m.Unit)
	}
	return fmt.Sprintf("%s  (%.2fs)", strings.Join(parts, ", "), took.Seconds())
}
