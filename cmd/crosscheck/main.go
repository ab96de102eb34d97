// Command crosscheck runs every behaviour scenario as its reference program
// (C against libev, Python greenlet or gevent) and as its Go twin, and
// prints PASS or FAIL per scenario with a trace diff for each failure.
//
// Usage, from the repository root:
//
//	go run ./cmd/crosscheck [-suite libev,greenlet,gevent] [-run REGEXP] [-v]
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

	"github.com/geventgo/geventgo/crosscheck"
	_ "github.com/geventgo/geventgo/crosscheck/geventsuite"
	_ "github.com/geventgo/geventgo/crosscheck/greenletsuite"
	_ "github.com/geventgo/geventgo/crosscheck/libevsuite"
)

func main() {
	twin := flag.String("twin", "", "run one Go twin (suite/name) and print its trace; used by the harness itself")
	suites := flag.String("suite", strings.Join(crosscheck.Suites, ","), "comma-separated suites to run")
	run := flag.String("run", "", "run only scenarios whose suite/name matches this regular expression")
	verbose := flag.Bool("v", false, "print both traces of every scenario")
	timeout := flag.Duration("timeout", 30*time.Second, "time limit for each side of a scenario")
	python := flag.String("python", "/usr/bin/python3", "the Python that has greenlet and gevent")
	// Scenarios that order timers a few milliseconds apart can differ on a
	// machine whose cores are busy with other work, on either side: a
	// failing scenario is run again, and a pass on a later attempt is
	// reported as such.
	retries := flag.Int("retries", 2, "extra attempts for a failing scenario")
	flag.Parse()

	if *twin != "" {
		os.Exit(runTwin(*twin))
	}
	os.Exit(runAll(*suites, *run, *verbose, *timeout, *python, *retries))
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

func runAll(suiteList, pattern string, verbose bool, timeout time.Duration, python string, retries int) int {
	root, err := findRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
		return 2
	}
	var filter *regexp.Regexp
	if pattern != "" {
		if filter, err = regexp.Compile(pattern); err != nil {
			fmt.Fprintln(os.Stderr, "crosscheck: -run:", err)
			return 2
		}
	}
	r := &crosscheck.Runner{Root: root, Self: self, Python: python, CC: "cc", Timeout: timeout}

	passed, failed := 0, 0
	var retried []string
	for _, suite := range strings.Split(suiteList, ",") {
		for _, name := range scenarioNames(r, suite) {
			id := suite + "/" + name
			if filter != nil && !filter.MatchString(id) {
				continue
			}
			res := r.Run(context.Background(), suite, name)
			attempts := 1
			for !res.Passed() && attempts <= retries {
				attempts++
				res = r.Run(context.Background(), suite, name)
			}
			if res.Passed() {
				passed++
				if attempts > 1 {
					retried = append(retried, id)
					fmt.Printf("PASS %s (on attempt %d)\n", id, attempts)
				} else {
					fmt.Printf("PASS %s\n", id)
				}
			} else {
				failed++
				fmt.Printf("FAIL %s\n", id)
				fmt.Println(indent(res.Err.Error()))
			}
			if verbose {
				fmt.Println(indent("reference:\n" + strings.Join(res.Ref, "\n")))
				fmt.Println(indent("geventgo:\n" + strings.Join(res.Got, "\n")))
			}
		}
	}
	if len(retried) > 0 {
		fmt.Printf("crosscheck: %d scenario(s) passed only on a later attempt (timing-sensitive under load): %s\n",
			len(retried), strings.Join(retried, " "))
	}
	fmt.Printf("crosscheck: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
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
