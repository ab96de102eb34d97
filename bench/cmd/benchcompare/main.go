// Command benchcompare is the A/B of a speed change: it builds two revisions
// of the repository, runs the selected Go benchmarks and bench/geventgo
// programs of both interleaved (old and new alternate, the first of each
// round rotating, so drift in the machine's state hits both alike), and
// prints benchstat's comparison of the two.
//
// Run it from the repository root after `make libev` (make bench-compare does):
//
//	go run ./bench/cmd/benchcompare -old HEAD~1 -pkgs ./scheduler/ -bench 'HubRoundTrip|Sleep0RoundRobin'
//	go run ./bench/cmd/benchcompare -old main -programs greenlet_switch,echo -count 6
//	go run ./bench/cmd/benchcompare -old main -http ghttp,shared
//
// The old revision is checked out with `git worktree add` into a temporary
// directory (removed at the end); the new one is the working tree as it is,
// uncommitted changes included, unless -new names a revision too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Benchstat is the benchstat the comparison runs, pinned so two comparisons
// print alike.
const Benchstat = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

// ErrUsage is returned for flags that select nothing or contradict.
var ErrUsage = errors.New("benchcompare: usage")

type options struct {
	old, new  string
	pkgs      []string // packages whose benchmarks run, e.g. ./scheduler/
	bench     string   // -test.bench of those packages
	programs  []string // bench/geventgo programs
	http      []string // -impl values of the HTTP server program (ghttp/internal/benchprog/httpserver)
	count     int
	benchtime string
	scale     float64
	duration  time.Duration
	keep      bool
}

// defaultPrograms run when neither -pkgs nor -programs is given: the quick,
// non-network programs whose medians the goals use most.
var defaultPrograms = []string{"greenlet_switch", "hub_roundtrip", "sleep0_rr", "spawn_join", "channel", "timer_chain"}

func main() {
	var o options
	var pkgs, programs, httpImpls string
	flag.StringVar(&o.old, "old", "", "the revision to compare against (required)")
	flag.StringVar(&o.new, "new", "", "the revision compared (default: the working tree as it is)")
	flag.StringVar(&pkgs, "pkgs", "", "comma-separated packages whose benchmarks run (e.g. ./scheduler/,./greenlet/)")
	flag.StringVar(&o.bench, "bench", ".", "-test.bench pattern for -pkgs")
	flag.StringVar(&programs, "programs", "", "comma-separated bench/geventgo programs (default without -pkgs or -http: "+strings.Join(defaultPrograms, ",")+")")
	flag.StringVar(&httpImpls, "http", "", "comma-separated -impl values of the HTTP server program (ghttp, shared), each driven by the load generator's HTTP mode")
	flag.IntVar(&o.count, "count", 8, "runs of each side")
	flag.StringVar(&o.benchtime, "benchtime", "500ms", "-test.benchtime for -pkgs")
	flag.Float64Var(&o.scale, "scale", 1, "BENCH_SCALE for -programs")
	flag.DurationVar(&o.duration, "duration", time.Second, "the load generator's measuring time for server programs")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (worktrees, binaries, results)")
	flag.Parse()
	o.pkgs, o.programs, o.http = splitList(pkgs), splitList(programs), splitList(httpImpls)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(1)
	}
}

// splitList splits a comma-separated flag, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// check fills the defaults and rejects what cannot run.
func (o *options) check() error {
	if o.old == "" {
		return fmt.Errorf("%w: -old is required (e.g. -old HEAD~1)", ErrUsage)
	}
	if o.count < 1 {
		return fmt.Errorf("%w: -count must be at least 1", ErrUsage)
	}
	if len(o.pkgs) == 0 && len(o.programs) == 0 && len(o.http) == 0 {
		o.programs = defaultPrograms
	}
	for _, impl := range o.http {
		if strings.ContainsAny(impl, `/\. `) {
			return fmt.Errorf("%w: -http takes -impl values of the HTTP server program, not %q", ErrUsage, impl)
		}
	}
	for _, p := range o.programs {
		if strings.ContainsAny(p, `/\.`) {
			return fmt.Errorf("%w: -programs takes names under bench/geventgo, not %q", ErrUsage, p)
		}
	}
	for _, p := range o.pkgs {
		if !strings.HasPrefix(p, "./") {
			return fmt.Errorf("%w: -pkgs takes ./relative packages, not %q", ErrUsage, p)
		}
	}
	return nil
}

// findRoot returns the repository root: the nearest directory upwards that
// holds bench/cmd/benchcompare.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "bench", "cmd", "benchcompare")); err == nil && st.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from the geventgo repository (bench/cmd/benchcompare not found)")
		}
		dir = parent
	}
}
