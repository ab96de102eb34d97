package scheduler

import (
	"runtime"
	"unsafe"
)

// The spawn tree: every greenlet remembers the greenlet that created it
// (gevent's spawning_greenlet), and where, when its hub records spawn
// stacks (gevent's spawning_stack). The live view (Hub.Snapshot) draws the
// hub's greenlets as a tree along it.
//
// A Greenlet drops its spawner when it finishes, so that a chain of
// greenlets that each spawn the next and end does not keep every finished
// one alive (gevent holds a weak reference for the same reason).

// spawnKind says what a spawner pointer points to: a task keeps its
// spawner as a pointer and this kind (which sits in padding), where an
// interface would take one more word and move a Greenlet into the next
// allocation size class.
type spawnKind uint8

const (
	spawnNone  spawnKind = iota
	spawnTask            // *task: a Greenlet
	spawnCtx             // *gctx: the main greenlet, the hub greenlet or a raw greenlet
	spawnLink            // *linkJob: the greenlet running a Link callback
	spawnStack           // *spawnInfo: a spawner and the recorded spawning stack
)

// spawnInfo is what a greenlet created while its hub records spawn stacks
// points to: its spawner and where it was created.
type spawnInfo struct {
	p    unsafe.Pointer
	kind spawnKind
	pcs  []uintptr
}

// spawnerOf returns the node of the greenlet c runs now: its Greenlet, its
// Link job, or c itself for main, the hub and raw greenlets.
func spawnerOf(c *gctx) (unsafe.Pointer, spawnKind) {
	switch {
	case c.task != nil:
		return unsafe.Pointer(c.task), spawnTask
	case c.link != nil:
		return unsafe.Pointer(c.link), spawnLink
	case c.w == nil:
		return unsafe.Pointer(c), spawnCtx
	}
	return nil, spawnNone
}

// spawnRecord returns what a greenlet created now by c keeps of its
// spawner; skip counts the frames above the function that creates the
// greenlet, for a recorded stack.
func spawnRecord(c *gctx, skip int) (unsafe.Pointer, spawnKind) {
	p, k := spawnerOf(c)
	if !c.hub.recordStacks.Load() {
		return p, k
	}
	info := &spawnInfo{p: p, kind: k}
	// Two frames more than are kept: framesOf drops the frames of Spawn,
	// SpawnLater or Go when the greenlet was created through one.
	var pcs [maxSpawnStack + 2]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	info.pcs = append([]uintptr(nil), pcs[:n]...)
	return unsafe.Pointer(info), spawnStack
}

// spawnNode returns a spawner as the key the live view knows it by.
func spawnNode(p unsafe.Pointer, k spawnKind) any {
	switch k {
	case spawnTask:
		return (*task)(p)
	case spawnCtx:
		return (*gctx)(p)
	case spawnLink:
		return (*linkJob)(p)
	case spawnStack:
		info := (*spawnInfo)(p)
		return spawnNode(info.p, info.kind)
	}
	return nil
}

// spawnPCs returns the recorded spawning stack, nil if none.
func spawnPCs(p unsafe.Pointer, k spawnKind) []uintptr {
	if k == spawnStack {
		return (*spawnInfo)(p).pcs
	}
	return nil
}

// maxSpawnStack bounds a recorded spawning stack, as gevent's
// spawning_stack_limit does.
const maxSpawnStack = 16

// SpawningGreenlet is Greenlet.SpawningGreenlet, less the nil check. The
// hub drops the spawner with plain writes when the greenlet ends: only the
// greenlet's hub can read it.
func (t *task) SpawningGreenlet() Runnable {
	if !t.onOwnHub() {
		return nil
	}
	if s, ok := spawnNode(t.spawnP, t.spawnK).(*task); ok {
		return s.impl
	}
	return nil
}

// SpawningStack is Greenlet.SpawningStack, less the nil check; only the
// greenlet's hub can read it, as SpawningGreenlet.
func (t *task) SpawningStack() []runtime.Frame {
	if !t.onOwnHub() {
		return nil
	}
	return framesOf(spawnPCs(t.spawnP, t.spawnK))
}

// spawnWrappers create a greenlet through New on their caller's behalf. A
// recorded stack starts at their caller, as gevent's spawning_stack starts
// at the caller of spawn: the wrapper's frame says nothing of where the
// greenlet was made.
var spawnWrappers = map[string]bool{
	"github.com/geventgo/geventgo/scheduler.Spawn[...]":      true,
	"github.com/geventgo/geventgo/scheduler.SpawnLater[...]": true,
	"github.com/geventgo/geventgo/scheduler.Go":              true,
}

// framesOf symbolizes recorded return PCs, innermost first, without a
// leading spawn wrapper, at most maxSpawnStack frames.
func framesOf(pcs []uintptr) []runtime.Frame {
	if len(pcs) == 0 {
		return nil
	}
	var out []runtime.Frame
	frames := runtime.CallersFrames(pcs)
	for len(out) < maxSpawnStack {
		f, more := frames.Next()
		if len(out) > 0 || !spawnWrappers[f.Function] {
			out = append(out, f)
		}
		if !more {
			break
		}
	}
	return out
}

// SetRecordSpawnStacks turns the recording of spawning stacks on or off
// for the greenlets created on h from now on (off by default; the
// configuration's RecordSpawnStacks sets it at start). Recording costs a
// runtime.Callers per spawn, several times the spawn itself; off, it costs
// one load. Goroutine-safe; a nil or zero Hub ignores it.
func (h *Hub) SetRecordSpawnStacks(on bool) {
	if h == nil {
		return
	}
	h.recordStacks.Store(on)
}

// RecordSpawnStacks reports whether h records spawning stacks.
// Goroutine-safe.
func (h *Hub) RecordSpawnStacks() bool { return h != nil && h.recordStacks.Load() }
