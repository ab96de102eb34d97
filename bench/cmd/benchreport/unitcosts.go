package main

import (
	"fmt"
	"strings"

	"github.com/geventgo/geventgo/bench/internal/report"
)

// unitCost is one of the machine's basic costs that a row of the run measures alone.
type unitCost struct {
	metric string
	impl   report.Impl
	what   string
}

// unitCosts are the costs that set how a machine weighs the other rows: the kernel's (a
// system call) against the runtime's (a coroutine switch, a cgo call). On a machine whose
// system calls are dear, the rows bound by them show geventgo nearer C, since the kernel's
// share, the same for both, grows; on one whose switches are dear, the coroutine rows drift
// from Go's. Two reports from different machines compare only after these.
var unitCosts = []unitCost{
	{"idle", report.CLibev, "a C libev loop pass with one epoll_wait(0)"},
	{"read_eagain", report.GeventGo, "a read(2) that finds nothing"},
	{"cgo_call", report.GeventGo, "a cgo call"},
	{"iter_pull", report.Go, "an iter.Pull round trip (two coroutine switches)"},
}

// unitCostsLine describes the machine by the unit costs measured in this run, "" when none
// of their rows ran.
func unitCostsLine(rows []report.Row) string {
	var parts []string
	for _, u := range unitCosts {
		for _, r := range rows {
			if r.Metric.Name != u.metric {
				continue
			}
			if s, ok := r.Cell(u.impl).Stats(); ok {
				parts = append(parts, fmt.Sprintf("%s %s %s (%s, %s)", u.what,
					report.FormatValue(s.Median), r.Metric.Unit, u.metric, u.impl.Label()))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "This machine's unit costs, medians of this run: " + strings.Join(parts, "; ") +
		". Rows bound by system calls show geventgo nearer C where system calls are dear" +
		" against switches; compare reports of two machines by these first.\n\n"
}
