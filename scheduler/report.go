package scheduler

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
)

// maxReportedStacks bounds how many stacks one report carries.
const maxReportedStacks = 20

// stackDump is one runtime.Stack(all) dump, cut into raw per-goroutine
// blocks by goid; a block is trimmed only when a report asks for it, so a
// dump of 10k goroutines costs one stop of the world and one scan, not 10k
// string splits.
type stackDump map[int64][]byte

// maxDumpSize bounds a dump's buffer: past it the dump is cut short (the
// goroutines it misses show no stack) rather than take more memory.
const maxDumpSize = 256 << 20

// dumpSize is the first buffer size for a dump of n goroutines: 8 KiB each
// (a parked greenlet's stack is one or two), within 1 MiB and maxDumpSize.
func dumpSize(n int) int { return min(max(1<<20, n*8<<10), maxDumpSize) }

// dumpStacks takes the dump. The buffer is sized from the goroutine count up
// front: runtime.Stack stops the world for as long as it formats, and every
// retry with a bigger buffer would stop it again.
func dumpStacks() stackDump {
	size := dumpSize(runtime.NumGoroutine())
	var buf []byte
	for {
		buf = make([]byte, size)
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		if size >= maxDumpSize {
			break
		}
		size = min(2*size, maxDumpSize)
	}
	out := make(stackDump)
	for len(buf) > 0 {
		block := buf
		if end := bytes.Index(buf, []byte("\n\n")); end >= 0 {
			block, buf = buf[:end], buf[end+2:]
		} else {
			buf = nil
		}
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
		out[id] = block
	}
	return out
}

// stack returns goroutine id's stack without the machinery frames, "" when
// the dump does not hold it.
func (d stackDump) stack(id int64) string {
	if b, ok := d[id]; ok {
		return trimStack(b)
	}
	return ""
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
	"runtime.corostart",
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
	var stacks stackDump
	stackOf := func(id int64, n int) string {
		if n >= maxReportedStacks || id == 0 {
			return ""
		}
		if stacks == nil {
			stacks = dumpStacks()
		}
		return stacks.stack(id)
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
