package scheduler

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How the blocking detector takes one greenlet's stack.
//
// Go can take another goroutine's stack only as part of a dump of all of
// them. runtime.Stack(all) formats that dump with the world stopped (120-150
// ms for 10k goroutines), which stalls every hub; the goroutine profile
// takes the same stacks with the world running and only two brief stops. It
// has no goroutine ids, so the scheduler finds its greenlets in it by pprof
// labels and by their frames:
//
//   - the hub greenlet and the workers that run greenlets carry the label
//     hubLabel=<the hub's number>, set once when their coroutine starts (a
//     goroutine they start inherits it, which is why the frames are checked
//     too);
//   - the main greenlet is the caller's goroutine, whose labels are the
//     program's: it is found by the frames below the call of NewHub, which
//     stay on its stack for as long as the hub lives (recorded by NewHub).
//
// Of a hub's greenlets only the one that runs is not parked in a coroutine
// switch, and that is the one a blocking report needs.

// hubLabel is the pprof label the scheduler's goroutines carry.
const hubLabel = "geventgo.hub"

// hubSeq numbers hubs for their label.
var hubSeq struct {
	sync.Mutex
	n uint64
}

// profileLabels returns the labels context of a new hub's goroutines.
func profileLabels() (context.Context, string) {
	hubSeq.Lock()
	hubSeq.n++
	id := strconv.FormatUint(hubSeq.n, 10)
	hubSeq.Unlock()
	return pprof.WithLabels(context.Background(), pprof.Labels(hubLabel, id)), id
}

// frame is one logical frame of a stack.
type frame struct {
	fn   string
	file string
	line int
}

// mainAnchor is what identifies a hub's main goroutine in a profile: the
// function that called NewHub and the frames below it.
type mainAnchor struct {
	caller string
	below  []frame
}

// anchorHere records the anchor of the calling goroutine; skip counts the
// frames above the function that created the hub (anchorHere's own
// included).
func anchorHere(skip int) mainAnchor {
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(skip+1, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	fs := symbolize(pcs)
	if len(fs) == 0 {
		return mainAnchor{}
	}
	return mainAnchor{caller: fs[0].fn, below: fs[1:]}
}

// symbolize turns return PCs into logical frames, without runtime.goexit
// (the goroutine profile's text leaves it out).
func symbolize(pcs []uintptr) []frame {
	var out []frame
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "runtime.goexit" {
			out = append(out, frame{fn: f.Function, file: f.File, line: f.Line})
		}
		if !more {
			return out
		}
	}
}

// matches reports whether a profile record's frames are a main goroutine's
// with this anchor.
func (a mainAnchor) matches(fs []frame) bool {
	if a.caller == "" || len(fs) < len(a.below)+1 {
		return false
	}
	base := len(fs) - len(a.below)
	for i, f := range a.below {
		if fs[base+i] != f {
			return false
		}
	}
	return fs[base-1].fn == a.caller
}

// profRecord is one record of the goroutine profile's text (debug=1):
// goroutines with the same stack and labels.
type profRecord struct {
	count  int
	top    uintptr // innermost return PC
	labels string
	frames []frame
}

// parked reports whether the record's goroutines are suspended in a
// coroutine switch: greenlets that wait, not the one that holds the hub.
func (r *profRecord) parked() bool {
	f := runtime.FuncForPC(r.top - 1)
	return f != nil && f.Name() == "runtime.coroswitch"
}

func (r *profRecord) has(fn string) bool {
	for _, f := range r.frames {
		if f.fn == fn {
			return true
		}
	}
	return false
}

// goroutineProfile takes the goroutine profile and parses it.
func goroutineProfile() []profRecord {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	var out []profRecord
	for _, block := range strings.Split(buf.String(), "\n\n") {
		if r, ok := parseRecord(block); ok {
			out = append(out, r)
		}
	}
	return out
}

// parseRecord parses "N @ 0x.. 0x..\n# labels: {...}\n#\t0x..\tfn+0x..\tfile:line\n...".
func parseRecord(block string) (profRecord, bool) {
	var r profRecord
	lines := strings.Split(block, "\n")
	for len(lines) > 0 && !strings.Contains(lines[0], " @ ") {
		lines = lines[1:] // the profile's header
	}
	if len(lines) == 0 {
		return r, false
	}
	head := strings.Fields(lines[0])
	if len(head) < 3 {
		return r, false
	}
	r.count, _ = strconv.Atoi(head[0])
	top, err := strconv.ParseUint(strings.TrimPrefix(head[2], "0x"), 16, 64)
	if err != nil {
		return r, false
	}
	r.top = uintptr(top)
	for _, line := range lines[1:] {
		if l, ok := strings.CutPrefix(line, "# labels: "); ok {
			r.labels = l
			continue
		}
		if f, ok := parseFrame(line); ok {
			r.frames = append(r.frames, f)
		}
	}
	return r, true
}

// parseFrame parses "#\t0x4a5b6c\tpkg.fn+0x1c\t/path/file.go:123".
func parseFrame(line string) (frame, bool) {
	fields := strings.FieldsFunc(line, func(r rune) bool { return r == '\t' })
	if len(fields) != 4 || fields[0] != "#" {
		return frame{}, false
	}
	fn := fields[2]
	if i := strings.LastIndex(fn, "+0x"); i >= 0 {
		fn = fn[:i]
	}
	loc := strings.TrimSpace(fields[3])
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return frame{}, false
	}
	line2, err := strconv.Atoi(loc[i+1:])
	if err != nil {
		return frame{}, false
	}
	return frame{fn: fn, file: loc[:i], line: line2}, true
}

// Functions at the bottom of the hub's and the workers' stacks.
const (
	hubRunFn    = "github.com/geventgo/geventgo/scheduler.(*Hub).run"
	workerRunFn = "github.com/geventgo/geventgo/scheduler.(*worker).main"
)

// runningStack returns the stack of c, the greenlet of h that holds the hub,
// found in a goroutine profile, without the machinery frames; or a note
// saying why there is none.
func (h *Hub) runningStack(c *gctx) string {
	var match func(r *profRecord) bool
	switch {
	case c == h.mainC:
		match = func(r *profRecord) bool { return h.anchor.matches(r.frames) }
	default:
		fn := workerRunFn
		if c.isHub {
			fn = hubRunFn
		}
		label := `"` + hubLabel + `":"` + h.label + `"`
		match = func(r *profRecord) bool { return strings.Contains(r.labels, label) && r.has(fn) }
	}
	var found []profRecord
	for _, r := range goroutineProfile() {
		if !r.parked() && match(&r) {
			found = append(found, r)
		}
	}
	if len(found) != 1 || found[0].count != 1 {
		return fmt.Sprintf("(stack not found: %d goroutines look like %s's)", countOf(found), c.displayName())
	}
	return formatFrames(c.goid.Load(), found[0].frames)
}

func countOf(rs []profRecord) int {
	n := 0
	for _, r := range rs {
		n += r.count
	}
	return n
}

// formatFrames writes frames as a goroutine traceback does (without the
// arguments), leaving the machinery frames out.
func formatFrames(id int64, fs []frame) string {
	var b strings.Builder
	fmt.Fprintf(&b, "goroutine %d, holding the hub:", id)
	for _, f := range fs {
		if isMachinery(f.fn) {
			continue
		}
		fmt.Fprintf(&b, "\n%s(...)\n\t%s:%d", f.fn, f.file, f.line)
	}
	return b.String()
}

// The detector's stack captures are rationed by a budget of CPU time, so
// that a program whose hubs stall all the time does not spend a core on
// reports: it refills at dumpBudgetShare of wall time up to dumpBudgetMax,
// and a capture is taken while any is left. A few hundred captures of a
// small program fit in the full budget; one of 10k goroutines with distinct
// stacks costs ~0.5 s.
const (
	dumpBudgetMax   = 2 * time.Second
	dumpBudgetShare = 10 // one tenth of wall time
)

var dumpBudget struct {
	sync.Mutex
	left time.Duration
	at   time.Time
}

// budgetedStack is runningStack within the budget.
func (h *Hub) budgetedStack(c *gctx) string {
	b := &dumpBudget
	b.Lock()
	defer b.Unlock()
	now := time.Now()
	if b.at.IsZero() {
		b.left = dumpBudgetMax
	} else {
		b.left = min(dumpBudgetMax, b.left+now.Sub(b.at)/dumpBudgetShare)
	}
	b.at = now
	if b.left <= 0 {
		return fmt.Sprintf("(stack omitted: stack captures used their share of CPU; the next in %v)",
			(-b.left*dumpBudgetShare + time.Millisecond).Round(time.Millisecond))
	}
	s := h.runningStack(c)
	end := time.Now()
	b.left -= end.Sub(now)
	b.at = end
	return s
}
