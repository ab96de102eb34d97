// Command crosscheck runs every behaviour scenario as its reference program
// (C against libev, Python greenlet or gevent) and as its Go twin, and
// prints PASS or FAIL per scenario with a trace diff for each failure.
// A failing scenario is run again only when it carries a timing mark
// (crosscheck.MarkTiming), and the summary counts the retries used.
//
// Usage, from the repository root:
//
//	go run ./internal/crosscheck/cmd [-suite libev,greenlet,gevent] [-run REGEXP] [-v] [-retry-marked=false]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	_ "github.com/geventgo/geventgo/internal/crosscheck/geventsuite"
	_ "github.com/geventgo/geventgo/internal/crosscheck/greenletsuite"
	_ "github.com/geventgo/geventgo/internal/crosscheck/libevsuite"
)

func main() {
	twin := flag.String("twin", "", "run one Go twin (suite/name) and print its trace; used by the harness itself")
	suites := flag.String("suite", strings.Join(crosscheck.Suites, ","), "comma-separated suites to run")
	run := flag.String("run", "", "run only scenarios whose suite/name matches this regular expression")
	verbose := flag.Bool("v", false, "print both traces of every scenario")
	timeout := flag.Duration("timeout", 30*time.Second, "time limit for each side of a scenario")
	python := flag.String("python", "/usr/bin/python3", "the Python that has greenlet and gevent")
	retryMarked := flag.Bool("retry-marked", true, "run a failing scenario with a timing mark once more (false: measure flakes)")
	flag.Parse()

	if *twin != "" {
		os.Exit(runTwin(*twin))
	}
	os.Exit(runAll(options{
		suites: *suites, pattern: *run, verbose: *verbose,
		timeout: *timeout, python: *python, retryMarked: *retryMarked,
	}))
}

type options struct {
	suites, pattern string
	verbose         bool
	timeout         time.Duration
	python          string
	retryMarked     bool
}

func runTwin(id string) int {
	suite, name, ok := strings.Cut(id, "/")
	if !ok {
		fmt.Fprintf(os.Stderr, "crosscheck: -twin wants suite/name, got %q\n", id)
		return 2
	}
	s, err := crosscheck.Lookup(suite, name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := crosscheck.RunTwin(s, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func runAll(opt options) int {
	r, filter, err := setup(opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var sum summary
	for _, suite := range strings.Split(opt.suites, ",") {
		for _, name := range scenarioNames(r, suite) {
			if filter != nil && !filter.MatchString(suite+"/"+name) {
				continue
			}
			var out crosscheck.Outcome
			if opt.retryMarked {
				out = r.RunMarked(context.Background(), suite, name)
			} else {
				out = crosscheck.Outcome{Result: r.Run(context.Background(), suite, name)}
				out.Mark, _ = crosscheck.TimingMark(suite, name)
			}
			sum.report(out, opt.verbose)
		}
	}
	return sum.print()
}

// setup finds the repository, checks the timing marks and builds the runner.
func setup(opt options) (*crosscheck.Runner, *regexp.Regexp, error) {
	root, err := findRoot()
	if err != nil {
		return nil, nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("crosscheck: %w", err)
	}
	if err := crosscheck.CheckMarks(); err != nil {
		return nil, nil, err
	}
	var filter *regexp.Regexp
	if opt.pattern != "" {
		if filter, err = regexp.Compile(opt.pattern); err != nil {
			return nil, nil, fmt.Errorf("crosscheck: -run: %w", err)
		}
	}
	r := &crosscheck.Runner{Root: root, Self: self, Python: opt.python, CC: "cc", Timeout: opt.timeout}
	return r, filter, nil
}

// summary counts outcomes as they are printed.
type summary struct {
	passed, failed, marked int
	retried                []string
}

func (s *summary) report(out crosscheck.Outcome, verbose bool) {
	id := out.Suite + "/" + out.Name
	if out.Mark != "" {
		s.marked++
	}
	if out.Retried != nil {
		s.retried = append(s.retried, id)
	}
	switch {
	case out.Passed() && out.Retried != nil:
		s.passed++
		fmt.Printf("PASS %s (marked retry used: %s)\n", id, out.Mark)
		fmt.Println(indent("first attempt:\n" + out.Retried.Err.Error()))
	case out.Passed():
		s.passed++
		fmt.Printf("PASS %s\n", id)
	default:
		s.failed++
		fmt.Printf("FAIL %s\n", id)
		if out.Retried != nil {
			fmt.Println(indent("first attempt (marked: " + out.Mark + "):\n" + out.Retried.Err.Error()))
			fmt.Println(indent("second attempt:"))
		}
		fmt.Println(indent(out.Err.Error()))
	}
	if verbose {
		fmt.Println(indent("reference:\n" + strings.Join(out.Ref, "\n")))
		fmt.Println(indent("geventgo:\n" + strings.Join(out.Got, "\n")))
	}
}

// print writes the summary line and returns the exit status.
func (s *summary) print() int {
	fmt.Printf("crosscheck: %d passed, %d failed; %d marked retries used (of %d timing-marked scenarios run)",
		s.passed, s.failed, len(s.retried), s.marked)
	if len(s.retried) > 0 {
		fmt.Printf(": %s", strings.Join(s.retried, " "))
	}
	fmt.Println()
	if s.failed > 0 {
		return 1
	}
	return 0
}

// scenarioNames is the union of the suite's references and registered twins,
// so that a reference without a twin, or a twin without a reference, is
// reported as a failure instead of being skipped.
func scenarioNames(r *crosscheck.Runner, suite string) []string {
	seen := map[string]bool{}
	var names []string
	refs, err := r.References(suite)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
	}
	for _, n := range refs {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, s := range crosscheck.Registered() {
		if s.Suite == suite && !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	return names
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("crosscheck: run from inside the geventgo repository (no go.mod found)")
		}
		dir = parent
	}
}
