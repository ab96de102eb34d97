package scheduler

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
)

// maxReportedStacks bounds how many stacks one report carries.
const maxReportedStacks = 20

// allStacks returns a dump of every goroutine, cut into stacks by goid.
func allStacks() map[int64]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		if len(buf) >= 64<<20 {
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[int64]string)
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		// "goroutine 123 [status]:\n..."
		rest, ok := bytes.CutPrefix(block, []byte("goroutine "))
		if !ok {
			continue
		}
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			continue
		}
		id, err := strconv.ParseInt(string(rest[:sp]), 10, 64)
		if err != nil {
			continue
		}
		out[id] = trimStack(block)
	}
	return out
}

// machineryFrames are the frames of the coroutine and scheduler plumbing
// every suspended greenlet has; reports leave them out so the user's frames
// stand out.
var machineryFrames = []string{
	"iter.Pull",
	"created by iter.Pull",
	"github.com/geventgo/geventgo/greenlet.",
	"github.com/geventgo/geventgo/scheduler.(*Hub).switchFrom",
	"github.com/geventgo/geventgo/scheduler.(*worker).main",
	"github.com/geventgo/geventgo/scheduler.(*task).runOn",
	"github.com/geventgo/geventgo/scheduler.(*Greenlet[...]).runBody",
}

// trimStack drops the machinery frames (a function line and its file line)
// from one goroutine's stack.
func trimStack(block []byte) string {
	lines := strings.Split(string(block), "\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if i > 0 && !strings.HasPrefix(line, "\t") && isMachinery(line) {
			i++ // skip its file:line too
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

func isMachinery(fn string) bool {
	for _, p := range machineryFrames {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// blockedGreenlets lists main (when it waits on something) and every
// running task suspended in a wait, with stacks for the first few.
func (h *Hub) blockedGreenlets() []BlockedGreenlet {
	var stacks map[int64]string
	stackOf := func(id int64, n int) string {
		if n >= maxReportedStacks || id == 0 {
			return ""
		}
		if stacks == nil {
			stacks = allStacks()
		}
		return stacks[id]
	}
	var out []BlockedGreenlet
	if h.mainC.waitingOn != "" {
		out = append(out, BlockedGreenlet{Name: "main", WaitingOn: h.mainC.waitLabel(), Stack: stackOf(h.owner, len(out))})
	}
	// The live list is newest first; report in spawn order.
	var tasks []*task
	for t := h.live.head; t != nil; t = t.next {
		tasks = append(tasks, t)
	}
	for i := len(tasks) - 1; i >= 0; i-- {
		t := tasks[i]
		if t.state != stRunning || t.ctx == nil {
			continue
		}
		label := t.ctx.waitLabel()
		if label == "" {
			label = "a raw switch"
		}
		out = append(out, BlockedGreenlet{Name: t.Name(), WaitingOn: label, Stack: stackOf(t.ctx.goid.Load(), len(out))})
	}
	return out
}

func (h *Hub) loopExitError() error {
	return &LoopExitError{Blocked: h.blockedGreenlets()}
}
