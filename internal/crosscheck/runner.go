package crosscheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
)

// ErrNoReference is returned when a scenario has no reference program.
var ErrNoReference = errors.New("crosscheck: no reference program")

// Runner runs reference programs and Go twins and compares their traces.
type Runner struct {
	// Root is the repository root (the directory holding go.mod).
	Root string
	// Self is the executable that runs a Go twin when invoked as
	// `Self -twin suite/name`; normally os.Executable().
	Self string
	// Python runs the Python references; gevent and greenlet are installed
	// for Debian's /usr/bin/python3 only.
	Python string
	// CC compiles the C references against the vendored libev.
	CC string
	// Timeout bounds each side of a scenario.
	Timeout time.Duration
}

// SuiteDir is where suite's references live, relative to the repository root.
func SuiteDir(suite string) string {
	return filepath.Join("internal", "crosscheck", suite+"suite", "testdata")
}

// ReferencePath finds the reference program of s: NAME.c or NAME.py in the
// suite's testdata directory.
func (r *Runner) ReferencePath(suite, name string) (string, error) {
	dir := filepath.Join(r.Root, SuiteDir(suite))
	for _, ext := range []string{".c", ".py"} {
		p := filepath.Join(dir, name+ext)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w for %s/%s in %s", ErrNoReference, suite, name, dir)
}

// References lists the scenario names that have a reference program in suite.
func (r *Runner) References(suite string) ([]string, error) {
	dir := filepath.Join(r.Root, SuiteDir(suite))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".c" && ext != ".py") {
			continue
		}
		names = append(names, strings.TrimSuffix(e.Name(), ext))
	}
	return names, nil
}

// Reference runs the reference program of suite/name and returns its trace.
func (r *Runner) Reference(ctx context.Context, suite, name string) ([]string, error) {
	path, err := r.ReferencePath(suite, name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	var cmd *exec.Cmd
	switch filepath.Ext(path) {
	case ".py":
		cmd = exec.CommandContext(ctx, r.Python, path)
	case ".c":
		bin, err := r.compile(ctx, path)
		if err != nil {
			return nil, err
		}
		cmd = exec.CommandContext(ctx, bin)
	}
	cmd.Dir = filepath.Dir(path)
	return runTrace(ctx, cmd, "reference "+suite+"/"+name)
}

// Twin runs the Go twin of suite/name in a child process, so that a twin
// that crashes or hangs fails only its own scenario.
func (r *Runner) Twin(ctx context.Context, suite, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Self, "-twin", suite+"/"+name)
	cmd.Dir = filepath.Join(r.Root, SuiteDir(suite))
	return runTrace(ctx, cmd, "twin "+suite+"/"+name)
}

func runTrace(ctx context.Context, cmd *exec.Cmd, what string) ([]string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	lines := Lines(stdout.String())
	if ctx.Err() != nil {
		return lines, fmt.Errorf("%s: timed out: %w\n%s", what, ctx.Err(), tail(stderr.String()))
	}
	if err != nil {
		return lines, fmt.Errorf("%s: %w\n%s", what, err, tail(stderr.String()))
	}
	return lines, nil
}

func tail(s string) string {
	const max = 4000
	if len(s) > max {
		s = "..." + s[len(s)-max:]
	}
	return s
}

// compile builds a C reference against the vendored libev, caching the
// binary by the hash of its source and of our libev config header.
func (r *Runner) compile(ctx context.Context, src string) (string, error) {
	libev := filepath.Join(r.Root, "libev")
	config := filepath.Join(r.Root, "cev", "ev_config.h")
	h := sha256.New()
	// Every header beside the source counts too: a change to a shared header
	// must rebuild every reference that may include it.
	headers, _ := filepath.Glob(filepath.Join(filepath.Dir(src), "*.h"))
	for _, f := range append([]string{src, config}, headers...) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("crosscheck: compile %s: %w", src, err)
		}
		h.Write(b)
	}
	cache := filepath.Join(r.Root, "internal", "crosscheck", ".build")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	base := strings.TrimSuffix(filepath.Base(src), ".c")
	bin := filepath.Join(cache, base+"-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if _, err := os.Stat(filepath.Join(libev, "libev-4.33", "ev.c")); err != nil {
		return "", fmt.Errorf("crosscheck: libev 4.33 source missing: run 'make libev'")
	}
	// A private temporary name: two harness runs may compile the same
	// reference at once, and exec of a file still open for writing fails
	// with "text file busy".
	f, err := os.CreateTemp(cache, base+"-*.tmp")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	cmd := exec.CommandContext(ctx, r.CC, "-O1", "-w", "-fno-strict-aliasing",
		"-I", filepath.Dir(config), "-I", filepath.Join(libev, "libev-4.33"), "-I", filepath.Dir(src),
		"-o", tmp, src, "-lm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("crosscheck: compile %s: %w\n%s", src, err, out)
	}
	return bin, os.Rename(tmp, bin)
}

// Lines splits a trace into lines, dropping trailing whitespace, empty lines
// and "#" note lines.
func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// Diff compares two traces and returns "" when they are equal, else a
// unified diff from the reference to the Go twin.
func Diff(ref, got []string, refName string) string {
	if equal(ref, got) {
		return ""
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        withNewlines(ref),
		B:        withNewlines(got),
		FromFile: refName,
		ToFile:   "geventgo",
		Context:  3,
	})
	if err != nil {
		return err.Error()
	}
	return d
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func withNewlines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l + "\n"
	}
	return out
}

// Result is the outcome of one scenario.
type Result struct {
	// Suite and Name identify the scenario, as given to Run.
	Suite, Name string
	// Ref and Got are the traces of the reference and of the Go twin, as
	// Lines returns them (no notes, no empty lines). A side that failed
	// keeps what it printed; a side that was not run (no twin registered,
	// or the reference failed) is nil.
	Ref, Got []string
	// Err is why the scenario failed: a side that crashed or timed out, a
	// missing twin or reference, or the trace diff.
	Err error
}

// Passed reports whether both sides ran and their traces are equal.
func (res Result) Passed() bool { return res.Err == nil }

// Run runs one scenario: the reference, then the Go twin, then the comparison.
func (r *Runner) Run(ctx context.Context, suite, name string) Result {
	res := Result{Suite: suite, Name: name}
	if _, err := Lookup(suite, name); err != nil {
		res.Err = fmt.Errorf("no Go twin registered: %w", err)
		return res
	}
	ref, err := r.Reference(ctx, suite, name)
	res.Ref = ref
	if err != nil {
		res.Err = err
		return res
	}
	got, err := r.Twin(ctx, suite, name)
	res.Got = got
	if d := Diff(ref, got, "reference"); d != "" {
		if err != nil {
			res.Err = fmt.Errorf("%w\ntrace diff:\n%s", err, d)
		} else {
			res.Err = fmt.Errorf("trace diff:\n%s", d)
		}
		return res
	}
	res.Err = err
	return res
}
