package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/report"
)

// Python is the only interpreter that has gevent and greenlet installed.
const Python = "/usr/bin/python3"

// progKey names one program: an implementation of a program base name.
type progKey struct {
	impl report.Impl
	name string
}

// built is the outcome of building one program.
type built struct {
	argv   []string      // how to run it; nil unless status is OK
	status report.Status // OK or NotBuilt
	note   string        // why it was not built
}

// builder builds every program of the selected workloads into dir.
type builder struct {
	root string // repository root
	dir  string // bench/.build
	log  func(format string, args ...any)
}

func (b *builder) path(parts ...string) string {
	return filepath.Join(append([]string{b.root}, parts...)...)
}

// buildAll builds the C, Go and geventgo programs and checks Python's
// gevent, returning one entry per (impl, program) the workloads use, and
// the argv of the load generator.
func (b *builder) buildAll(ctx context.Context, ws []Workload) (map[progKey]built, []string, error) {
	out := map[progKey]built{}
	need := map[report.Impl]map[string]bool{}
	for _, w := range ws {
		for _, impl := range w.Impls {
			if need[impl] == nil {
				need[impl] = map[string]bool{}
			}
			need[impl][w.ProgramName(impl)] = true
		}
		// A client workload's server is geventgo's build of its program.
		if w.Against != "" {
			if need[report.GeventGo] == nil {
				need[report.GeventGo] = map[string]bool{}
			}
			need[report.GeventGo][w.Against] = true
		}
	}
	loadgen := filepath.Join(b.dir, "loadgen")
	if err := b.goBuild(ctx, loadgen, "./bench/loadgen"); err != nil {
		return nil, nil, fmt.Errorf("building the load generator: %w", err)
	}
	// gcc runs beside the go builds: each ev.c compile is seconds of one
	// core that go build's own parallelism rarely fills.
	cOut := map[progKey]built{}
	var wg sync.WaitGroup
	wg.Go(func() { b.buildC(ctx, need[report.CLibev], cOut) })
	// Go P1 and Go P2 run the same binary: only the runner's GOMAXPROCS differs.
	goNames := maps.Clone(need[report.Go])
	if goNames == nil {
		goNames = map[string]bool{}
	}
	maps.Copy(goNames, need[report.GoP2])
	b.buildGo(ctx, report.Go, "go", goNames, out)
	for name := range need[report.GoP2] {
		out[progKey{report.GoP2, name}] = out[progKey{report.Go, name}]
	}
	b.buildGo(ctx, report.GeventGo, "geventgo", goPrograms(ws, need[report.GeventGo]), out)
	b.buildGoTests(ctx, ws, out)
	b.checkPython(ctx, need[report.Gevent], out)
	wg.Wait()
	maps.Copy(out, cOut)
	return out, []string{loadgen}, nil
}

func (b *builder) goBuild(ctx context.Context, output string, pkgs ...string) error {
	args := append([]string{"build", "-o", output}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// buildC compiles each bench/c/NAME.c against the vendored libev with the
// config cev uses, two at a time, skipping programs newer than their sources.
func (b *builder) buildC(ctx context.Context, names map[string]bool, out map[progKey]built) {
	if len(names) == 0 {
		return
	}
	dir := filepath.Join(b.dir, "c")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		for name := range names {
			out[progKey{report.CLibev, name}] = built{status: report.NotBuilt, note: err.Error()}
		}
		return
	}
	if _, err := os.Stat(b.path("libev", "libev-4.33", "ev.c")); err != nil {
		for name := range names {
			out[progKey{report.CLibev, name}] = built{status: report.NotBuilt, note: "libev/libev-4.33 missing: run make libev"}
		}
		return
	}
	b.log("building %d C libev programs", len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			res := b.compileC(ctx, name, filepath.Join(dir, name))
			mu.Lock()
			out[progKey{report.CLibev, name}] = res
			mu.Unlock()
		})
	}
	wg.Wait()
}

func (b *builder) compileC(ctx context.Context, name, bin string) built {
	src := b.path("bench", "c", name+".c")
	if _, err := os.Stat(src); err != nil {
		return built{status: report.NotBuilt, note: "no bench/c/" + name + ".c"}
	}
	deps := []string{src, b.path("bench", "c", "bench.h"), b.path("cev", "ev_config.h")}
	if fresh(bin, deps) {
		return built{argv: []string{bin}, status: report.OK}
	}
	os.Remove(bin)
	cmd := exec.CommandContext(ctx, "gcc", "-O2", "-w", "-fno-strict-aliasing",
		"-I", "cev", "-I", "libev/libev-4.33", "-I", "bench/c",
		"-o", bin, "bench/c/"+name+".c", "-lm", "-lpthread")
	cmd.Dir = b.root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return built{status: report.NotBuilt, note: firstLine(fmt.Sprintf("gcc: %v: %s", err, msg))}
	}
	return built{argv: []string{bin}, status: report.OK}
}

// fresh reports whether bin exists and is newer than every dep.
func fresh(bin string, deps []string) bool {
	bi, err := os.Stat(bin)
	if err != nil {
		return false
	}
	for _, d := range deps {
		di, err := os.Stat(d)
		if err != nil || di.ModTime().After(bi.ModTime()) {
			return false
		}
	}
	return true
}

// buildGo builds bench/<sub>/NAME/ (or the package elsewhere names) for every name in one go build (which
// leaves up-to-date binaries alone); when that fails it builds them one by
// one, so one broken program only marks itself not built, and removes the
// binary of each that fails: a program that no longer builds must never be
// measured from a stale binary.
func (b *builder) buildGo(ctx context.Context, impl report.Impl, sub string, names map[string]bool, out map[progKey]built) {
	if len(names) == 0 {
		return
	}
	dir := filepath.Join(b.dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		for name := range names {
			out[progKey{impl, name}] = built{status: report.NotBuilt, note: err.Error()}
		}
		return
	}
	var pkgs []string
	for name := range names {
		if pkg := goPackage(sub, name); hasGoFiles(b.path(pkg)) {
			pkgs = append(pkgs, "./"+pkg)
		} else {
			out[progKey{impl, name}] = built{status: report.NotBuilt, note: "no " + pkg + "/ yet"}
		}
	}
	if len(pkgs) == 0 {
		return
	}
	b.log("building %d %s programs", len(pkgs), impl.Label())
	t0 := time.Now()
	notes := map[string]string{}
	if err := b.goBuild(ctx, dir+string(filepath.Separator), pkgs...); err != nil {
		b.log("  building %s programs together failed; building them one by one", impl.Label())
		for _, p := range pkgs {
			bin := filepath.Join(dir, filepath.Base(p))
			if err := b.goBuild(ctx, bin, p); err != nil {
				notes[filepath.Base(p)] = firstError(err.Error())
				os.Remove(bin)
			}
		}
	}
	for _, p := range pkgs {
		name := filepath.Base(p)
		bin := filepath.Join(dir, name)
		switch _, err := os.Stat(bin); {
		case notes[name] != "":
			out[progKey{impl, name}] = built{status: report.NotBuilt, note: notes[name]}
		case err != nil:
			out[progKey{impl, name}] = built{status: report.NotBuilt, note: "build produced no binary"}
		default:
			out[progKey{impl, name}] = built{argv: []string{bin}, status: report.OK}
		}
	}
	b.log("  done in %.1fs", time.Since(t0).Seconds())
}

// goPrograms is names without the workloads that run a package's test
// binary instead of a program of their own.
func goPrograms(ws []Workload, names map[string]bool) map[string]bool {
	out := map[string]bool{}
	for name := range names {
		out[name] = true
	}
	for _, w := range ws {
		if w.GoTest != "" {
			delete(out, w.ProgramName(report.GeventGo))
		}
	}
	return out
}

// buildGoTests builds the test binary of each GoTest workload's package;
// its argv runs only the workload's benchmarks.
func (b *builder) buildGoTests(ctx context.Context, ws []Workload, out map[progKey]built) {
	for _, w := range ws {
		if w.GoTest == "" || !w.Applies(report.GeventGo) {
			continue
		}
		key := progKey{report.GeventGo, w.ProgramName(report.GeventGo)}
		bin := filepath.Join(b.dir, "geventgo", w.Name+".test")
		if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
			out[key] = built{status: report.NotBuilt, note: err.Error()}
			continue
		}
		b.log("building the %s test binary for %s", w.GoTest, w.Name)
		args := []string{"test", "-c", "-o", bin, w.GoTest}
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = b.root
		if msg, err := cmd.CombinedOutput(); err != nil {
			out[key] = built{status: report.NotBuilt, note: firstError(fmt.Sprintf("go %s: %v: %s", strings.Join(args, " "), err, msg))}
			continue
		}
		out[key] = built{argv: goTestArgv(bin, w), status: report.OK}
	}
}

// goTestArgv runs only w's benchmarks, no tests, for a fixed time each.
func goTestArgv(bin string, w Workload) []string {
	return []string{bin, "-test.run=^$", "-test.bench=" + benchPattern(slices.Collect(maps.Keys(w.BenchMetrics))), "-test.benchtime=500ms"}
}

// benchPattern is the -test.bench pattern selecting names, top-level
// benchmarks ("BenchmarkA") or sub-benchmarks ("BenchmarkB/sub"): one
// anchored alternation per level. A workload's names must be equally deep:
// go test runs a top-level benchmark that a deeper pattern matches only to
// look for sub-benchmarks and reports nothing of its own.
func benchPattern(names []string) string {
	var levels [][]string
	for _, n := range names {
		for i, part := range strings.Split(n, "/") {
			if i == len(levels) {
				levels = append(levels, nil)
			}
			if !slices.Contains(levels[i], part) {
				levels[i] = append(levels[i], part)
			}
		}
	}
	var out []string
	for _, parts := range levels {
		slices.Sort(parts)
		out = append(out, "^("+strings.Join(parts, "|")+")$")
	}
	return strings.Join(out, "/")
}

func hasGoFiles(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(m) > 0
}

// checkPython makes sure /usr/bin/python3 imports gevent, and that every
// script exists.
func (b *builder) checkPython(ctx context.Context, names map[string]bool, out map[progKey]built) {
	if len(names) == 0 {
		return
	}
	note := ""
	cmd := exec.CommandContext(ctx, Python, "-c", "import gevent, greenlet")
	if msg, err := cmd.CombinedOutput(); err != nil {
		note = firstLine(fmt.Sprintf("%s cannot import gevent (make deps installs python3-gevent): %v %s", Python, err, msg))
	}
	for name := range names {
		script := pyScript(name)
		switch _, err := os.Stat(b.path(script)); {
		case note != "":
			out[progKey{report.Gevent, name}] = built{status: report.NotBuilt, note: note}
		case err != nil:
			out[progKey{report.Gevent, name}] = built{status: report.NotBuilt, note: "no " + script}
		default:
			out[progKey{report.Gevent, name}] = built{argv: []string{Python, script}, status: report.OK}
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// firstError picks the first compiler diagnostic out of go build's output
// (the line after the "# package" heading), falling back to the first line.
func firstError(s string) string {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "go build") {
			continue
		}
		return line
	}
	return firstLine(s)
}
