package crosscheck

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// TimingSuites lists the suites whose scenarios may be marked. The libev and
// greenlet suites are deterministic (no clocks, no threads in the traced
// behaviour), so a failure there is never retried.
var TimingSuites = []string{"gevent"}

// ErrStaleMark is returned by CheckMarks for a mark whose scenario is not
// registered (renamed or removed).
var ErrStaleMark = errors.New("crosscheck: timing mark for an unregistered scenario")

var marks = map[string]string{} // "suite/name" -> reason; guarded by registryMu

// MarkTiming marks suite/name as timing-sensitive under load for reason,
// which must say which timing. It is meant for init functions and panics on
// an empty reason, a suite outside TimingSuites and a second mark, which are
// programming errors found at start-up. The scenario may be registered
// before or after its mark; CheckMarks finds marks left without one.
func MarkTiming(suite, name, reason string) {
	id := suite + "/" + name
	if strings.TrimSpace(reason) == "" {
		panic("crosscheck: MarkTiming " + id + " without a reason")
	}
	if !isTimingSuite(suite) {
		panic("crosscheck: MarkTiming " + id + ": suite " + suite + " is not in TimingSuites and gets no retry")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := marks[id]; dup {
		panic("crosscheck: scenario " + id + " marked twice")
	}
	marks[id] = reason
}

func isTimingSuite(suite string) bool {
	for _, s := range TimingSuites {
		if s == suite {
			return true
		}
	}
	return false
}

// TimingMark returns the reason suite/name is marked timing-sensitive, and
// whether it is.
func TimingMark(suite, name string) (reason string, ok bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	reason, ok = marks[suite+"/"+name]
	return reason, ok
}

// MarkedScenarios returns the ids ("suite/name") of the marked scenarios,
// sorted.
func MarkedScenarios() []string {
	registryMu.Lock()
	ids := make([]string, 0, len(marks))
	for id := range marks {
		ids = append(ids, id)
	}
	registryMu.Unlock()
	sort.Strings(ids)
	return ids
}

// CheckMarks reports every mark whose scenario is not registered, so that a
// renamed scenario does not silently lose its mark or keep a dead one.
func CheckMarks() error {
	registryMu.Lock()
	defer registryMu.Unlock()
	var stale []string
	for id := range marks {
		if _, ok := registry[id]; !ok {
			stale = append(stale, id)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	sort.Strings(stale)
	return fmt.Errorf("%w: %s", ErrStaleMark, strings.Join(stale, ", "))
}

// Outcome is a scenario's final result and, when a timing mark gave it a
// second attempt, the first attempt's failure.
type Outcome struct {
	Result
	// Retried is the failed first attempt of a marked scenario that was
	// run again; nil when the first attempt counted.
	Retried *Result
	// Mark is the scenario's timing mark reason, "" when it has none.
	Mark string
}

// RunMarked runs one scenario like Run, and runs it once more if the first
// attempt failed and the scenario carries a timing mark.
func (r *Runner) RunMarked(ctx context.Context, suite, name string) Outcome {
	reason, marked := TimingMark(suite, name)
	out := Outcome{Result: r.Run(ctx, suite, name), Mark: reason}
	if out.Passed() || !marked || ctx.Err() != nil {
		return out
	}
	first := out.Result
	out.Retried = &first
	out.Result = r.Run(ctx, suite, name)
	return out
}
