// Package crosscheck runs behaviour scenarios twice, as a reference program
// (C against libev, or a Python script against greenlet or gevent) and as its
// Go twin against geventgo, and compares the two traces line by line.
//
// A scenario named NAME in suite S has its reference at
// internal/crosscheck/<S>suite/testdata/NAME.c or NAME.py and its Go twin registered
// with Register(S, NAME, twin) from an init function of package <S>suite.
// Each side prints one line per observable event. Lines starting with "#" are
// notes for people and are not compared.
//
// A failing scenario fails at once, unless it carries a timing mark
// (MarkTiming): the name of a scenario whose trace is known to differ from
// its reference on a loaded machine, and which timing makes it so, the way
// gevent's own test suite marks a flaky test with a condition and a reason.
// Runner.RunMarked gives a marked scenario one retry and reports it; only
// the gevent suite may be marked.
//
// Register and MarkTiming are meant for init functions and panic on a
// programming error (a duplicate or nil twin, a mark outside the gevent
// suite or without a reason); the registry is safe for concurrent use. A
// twin runs in the goroutine that calls RunTwin and its T is not
// goroutine-safe: a twin prints from that goroutine (or the greenlets of the
// hub it runs) only. Runner runs each side in a process of its own, bounded
// by Runner.Timeout, so a twin that hangs or crashes fails its scenario, not
// the harness.
package crosscheck

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
)

// Suites lists the known suites in the order they are run.
var Suites = []string{"libev", "greenlet", "gevent"}

// ErrUnknownScenario is returned when a scenario is not registered.
var ErrUnknownScenario = errors.New("crosscheck: unknown scenario")

// Scenario is one registered Go twin.
type Scenario struct {
	Suite string     // "libev", "greenlet" or "gevent" (see Suites)
	Name  string     // the reference's file name without .c or .py
	Twin  func(t *T) // the Go side; RunTwin calls it with a T that prints to the trace
}

// ID is the scenario's "suite/name".
func (s Scenario) ID() string { return s.Suite + "/" + s.Name }

var (
	registryMu sync.Mutex
	registry   = map[string]Scenario{}
)

// Register adds the Go twin of scenario name in suite. It is meant to be
// called from init functions and panics on a duplicate, because two twins
// for one reference is a programming error found at start-up.
func Register(suite, name string, twin func(t *T)) {
	if twin == nil {
		panic("crosscheck: Register " + suite + "/" + name + " with a nil twin")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	id := suite + "/" + name
	if _, dup := registry[id]; dup {
		panic("crosscheck: scenario " + id + " registered twice")
	}
	registry[id] = Scenario{Suite: suite, Name: name, Twin: twin}
}

// Registered returns every registered scenario sorted by suite (in Suites
// order) and name.
func Registered() []Scenario {
	registryMu.Lock()
	out := make([]Scenario, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	registryMu.Unlock()
	sortScenarios(out)
	return out
}

func sortScenarios(s []Scenario) {
	rank := func(suite string) int {
		for i, name := range Suites {
			if name == suite {
				return i
			}
		}
		return len(Suites)
	}
	sort.Slice(s, func(i, j int) bool {
		ri, rj := rank(s[i].Suite), rank(s[j].Suite)
		if ri != rj {
			return ri < rj
		}
		return s[i].Name < s[j].Name
	})
}

// Lookup finds a registered scenario by suite and name.
func Lookup(suite, name string) (Scenario, error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	s, ok := registry[suite+"/"+name]
	if !ok {
		return Scenario{}, fmt.Errorf("%w: %s/%s", ErrUnknownScenario, suite, name)
	}
	return s, nil
}

// T is what a Go twin writes its trace to.
type T struct {
	w      *bufio.Writer
	errors []string // Errorf messages: the twin failed but ran on
}

// errFatal unwinds a twin that called Fatalf.
type errFatal struct{ msg string }

// Printf writes one trace line; a trailing newline is added when missing.
func (t *T) Printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	t.w.WriteString(s)
}

// Println writes its operands separated by spaces as one trace line, the way
// Python's print does.
func (t *T) Println(args ...any) {
	t.w.WriteString(fmt.Sprintln(args...))
}

// Errorf writes an "ERROR:" line and marks the twin failed without stopping
// it, like testing.T.Errorf: the line is compared, so the trace differs from
// the reference, and RunTwin reports the failure even if it did not.
func (t *T) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.Printf("ERROR: %s", msg)
	t.errors = append(t.errors, msg)
}

// Fatalf writes a "FATAL:" line and stops the twin. The trace will then
// differ from the reference, so the scenario fails with the message in its diff.
func (t *T) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.Printf("FATAL: %s", msg)
	panic(errFatal{msg})
}

// RunTwin runs s's twin in this goroutine, writing its trace to w. A panic
// in the twin becomes a "PANIC:" trace line and an error, so a crashing twin
// fails its scenario instead of the harness; an Errorf becomes an error too.
func RunTwin(s Scenario, w io.Writer) (err error) {
	t := &T{w: bufio.NewWriter(w)}
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(errFatal); ok {
				err = fmt.Errorf("crosscheck: %s: fatal: %s", s.ID(), f.msg)
			} else {
				t.Printf("PANIC: %v", r)
				fmt.Fprintf(os.Stderr, "%s", debug.Stack())
				err = fmt.Errorf("crosscheck: %s: panic: %v", s.ID(), r)
			}
		}
		if err == nil && len(t.errors) > 0 {
			err = fmt.Errorf("crosscheck: %s: %s", s.ID(), strings.Join(t.errors, "; "))
		}
		if ferr := t.w.Flush(); err == nil {
			err = ferr
		}
	}()
	s.Twin(t)
	return nil
}
