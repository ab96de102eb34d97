package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/geventgo/geventgo/internal/ctxwait"
)

// The live view: gevent.util's format_run_info and GreenletTree, on
// demand. A hub's state is hub-affine, so it is read on the hub: a posted
// callback fills the snapshot, except for the caller's own hub, which is
// read in place (a Post would wait for the caller itself). A hub that does
// not run the callback in time (a greenlet holds it in a CPU loop) is shown
// with what can be read from any goroutine: its settings and the greenlet
// the blocking detector last saw running.

// RunInfoTimeout is how long RunInfo and Hub.Snapshot wait for a hub to
// answer when their context has no earlier deadline.
const RunInfoTimeout = time.Second

// HubInfo is one hub's state at the moment of a snapshot (RunInfo,
// Hub.Snapshot).
type HubInfo struct {
	// ID is the hub's number, also the value of the pprof label
	// geventgo.hub its goroutines carry in goroutine profiles.
	ID uint64
	// Owner is the id of the goroutine that owns the hub (its main
	// greenlet).
	Owner int64
	// Err is nil when the hub answered; otherwise why the fields below
	// marked "answered" are zero: an error matching ErrTimeout when the hub
	// did not run the snapshot within the wait (it is busy), or the
	// context's error when the caller's context ended first.
	Err error `json:"-"`
	// Running names the greenlet that ran when the snapshot was taken: the
	// caller for its own hub, "hub" for a snapshot the hub took in a
	// callback; for a hub that did not answer, the greenlet the blocking
	// detector last saw holding it ("" when it could not tell).
	Running string

	// The hub's settings (see Config), read from any goroutine.
	SwitchInterval    time.Duration
	BlockingThreshold time.Duration // 0: the blocking detector is off
	ThreadpoolSize    int           // 0: the thread pool's default size
	RecordSpawnStacks bool

	// Answered: the loop and the hub's counters.
	Backend         string // the libev backend in use ("epoll", "poll", ...)
	LoopDepth       int    // nested loop runs (1 inside a watcher callback)
	Watchers        int    // watchers created on the loop and not closed
	ActiveWatchers  int    // what keeps the loop alive (libev's activecnt): active watchers and the hub's references (a cancellable context wait, RunBlocking, KeepAlive), less the unref'd ones
	PendingWatchers int    // watchers whose events wait for dispatch
	IdleWorkers     int    // finished greenlets' coroutines kept for the next spawns
	Stats           Stats  // Hub.Stats: loop iterations, switches, callbacks run and queued, live greenlets

	// Answered: the greenlets, as trees along the spawn tree: main and the
	// hub first, then greenlets whose spawner is not known (created outside
	// a greenlet, or whose spawner finished before them and let go of its
	// own).
	Greenlets []GreenletInfo
}

// GreenletInfo is one greenlet in a snapshot, with the greenlets it
// spawned that are still alive.
type GreenletInfo struct {
	Name string // "main", "hub", a Greenlet's name, "RawGreenlet-<n>", "link of <name>"
	// Kind is "main", "hub", "greenlet" (Spawn, Go, New...), "raw"
	// (SpawnRaw) or "link" (a Link callback running in a greenlet of its
	// own).
	Kind string
	ID   uint64 // a Greenlet's number on its hub (Greenlet-<ID>), a raw greenlet's; 0 for the others
	// Goroutine is the id of the goroutine the greenlet's coroutine runs on,
	// as goroutine dumps show it; 0 before it started and after it ended.
	Goroutine int64
	// State is "running" (the greenlet that took the snapshot), "runnable"
	// (resumes in the hub's next drain: a Sleep(0)), "waiting" (blocked on
	// WaitingOn), "suspended" (switched away without a wait: the hub while
	// another greenlet runs, a raw switch), "scheduled" (started, its body
	// not yet run) or "dead" (finished, shown because a live greenlet it
	// spawned still names it).
	State string
	// WaitingOn says what a waiting greenlet waits on, as LoopExit reports
	// do: "sleep 1s", "join Greenlet-3", "Event.Wait", "Queue.Get",
	// "socket read", "accept", "context", ...; for a greenlet scheduled to
	// start later, the call and its delay: "SpawnLater 1m0s",
	// "Greenlet.StartLater 1h0m0s" (the text view says "scheduled by").
	WaitingOn string `json:",omitempty"`
	// SpawnedAt is where the greenlet was created, innermost call first,
	// when its hub recorded spawn stacks then (SetRecordSpawnStacks).
	SpawnedAt []string `json:",omitempty"`
	// Stack is the stack of the greenlet's goroutine, as a goroutine dump
	// shows it without the coroutine and scheduler frames every greenlet
	// has (gevent's greenlet_stacks): where a waiting greenlet waits. Only
	// RunInfoStacks and WriteRunInfoStacks fill it.
	Stack    string         `json:",omitempty"`
	Children []GreenletInfo `json:",omitempty"`

	pcs []uintptr // SpawnedAt before symbolization, off the hub
}

// RunInfo returns a snapshot of every hub of the process, in the order
// they were created. Goroutine-safe: it may be called from any goroutine,
// from a greenlet (its own hub is read in place, and the greenlet waits
// for the other hubs as in RunBlocking, while its hub runs on) and from a
// hub callback (which holds its hub while it waits). Reading a hub holds
// it (on its own goroutine) for time in proportion to its greenlets. A
// hub that does not answer within RunInfoTimeout, or by ctx's deadline
// when that is earlier, is returned with Err set (matching ErrTimeout),
// which is no error of RunInfo's. RunInfo returns ErrNilArgument for a nil ctx;
// an *Error naming RunInfo that wraps ContextError's error when ctx is done
// at the call, or is cancelled
// before every hub answered (with what it gathered); and what is thrown
// into a calling greenlet while it waits (Kill, a Timeout).
func RunInfo(ctx context.Context) ([]HubInfo, error) {
	if ctx == nil {
		return nil, opErr("RunInfo", ErrNilArgument)
	}
	return gather(ctx, "RunInfo", liveHubs(), false)
}

// RunInfoStacks is RunInfo with the Stack of every greenlet that has a
// goroutine, from one dump of every goroutine's stack taken just after the
// snapshots (runtime.Stack, which stops the world while it formats: about
// what net/http/pprof's goroutine?debug=2 costs). A greenlet that moved on
// in between shows where it is at the dump.
func RunInfoStacks(ctx context.Context) ([]HubInfo, error) {
	if ctx == nil {
		return nil, opErr("RunInfoStacks", ErrNilArgument)
	}
	return gather(ctx, "RunInfoStacks", liveHubs(), true)
}

// Snapshot returns h's state, as RunInfo does for every hub; a hub that
// does not answer in time is returned with Err set and no error.
// Goroutine-safe, with RunInfo's contract. It returns ErrNilArgument for a
// nil ctx or a nil Hub, ErrNotGreenlet for a zero Hub and ErrHubDestroyed
// once h is destroyed.
func (h *Hub) Snapshot(ctx context.Context) (HubInfo, error) {
	if h == nil || ctx == nil {
		return HubInfo{}, opErr("Hub.Snapshot", ErrNilArgument)
	}
	if h.loop == nil {
		return HubInfo{}, opErr("Hub.Snapshot", ErrNotGreenlet)
	}
	if h.destroyed.Load() {
		return HubInfo{}, opErr("Hub.Snapshot", ErrHubDestroyed)
	}
	infos, err := gather(ctx, "Hub.Snapshot", []*Hub{h}, false)
	if len(infos) == 0 {
		if err == nil {
			err = opErr("Hub.Snapshot", ErrHubDestroyed)
		}
		return HubInfo{}, err
	}
	return infos[0], err
}

// liveHubs returns the hubs not yet destroyed, in creation order.
func liveHubs() []*Hub {
	wdMu.Lock()
	hubs := make([]*Hub, 0, len(wdHubs))
	for h := range wdHubs {
		hubs = append(hubs, h)
	}
	wdMu.Unlock()
	slices.SortFunc(hubs, func(a, b *Hub) int { return cmp.Compare(a.number(), b.number()) })
	return hubs
}

// number is the hub's number, the value of its pprof label.
func (h *Hub) number() uint64 {
	n, _ := strconv.ParseUint(h.label, 10, 64)
	return n
}

// request is one hub asked for its snapshot.
type request struct {
	h  *Hub
	ch chan HubInfo // nil: the caller's own hub, read in place
}

// gather takes the snapshots of hubs for op, with the greenlets' stacks if
// stacks is set.
func gather(ctx context.Context, op string, hubs []*Hub, stacks bool) ([]HubInfo, error) {
	if err := ContextError(ctx); err != nil {
		return nil, opErr(op, err)
	}
	c := currentCtx()
	reqs := make([]request, 0, len(hubs))
	var own HubInfo
	remote := false
	for _, h := range hubs {
		if c != nil && c.hub == h {
			own = h.snapshotOn(c)
			reqs = append(reqs, request{h: h})
			continue
		}
		ch := make(chan HubInfo, 1)
		if h.Post(func() { ch <- h.snapshotOn(h.hubC) }) != nil {
			continue // destroyed meanwhile
		}
		reqs = append(reqs, request{h: h, ch: ch})
		remote = true
	}
	out, err := waitRemote(ctx, op, c, reqs, remote)
	var dump stackDump
	if stacks {
		dump = dumpStacks()
	}
	kept := out[:0]
	for i, r := range reqs {
		if r.ch == nil {
			out[i] = own
		}
		if !errors.Is(out[i].Err, ErrHubDestroyed) {
			symbolizeTree(out[i].Greenlets)
			if dump != nil {
				fillStacks(out[i].Greenlets, dump)
			}
			kept = append(kept, out[i])
		}
	}
	return kept, err
}

// fillStacks sets the Stack of each greenlet of the trees gs from dump.
func fillStacks(gs []GreenletInfo, dump stackDump) {
	for i := range gs {
		if g := &gs[i]; g.Goroutine != 0 {
			g.Stack = dump.stack(g.Goroutine)
		}
		fillStacks(gs[i].Children, dump)
	}
}

// waitRemote waits for the hubs of reqs that were posted a request; c is
// the caller (nil: a plain goroutine). A context that ended by its
// deadline is a wait that ran its course (the hubs say so in Err); a
// cancelled one, or an error thrown into the caller, is gather's error.
func waitRemote(ctx context.Context, op string, c *gctx, reqs []request, remote bool) ([]HubInfo, error) {
	if !remote {
		return make([]HubInfo, len(reqs)), nil
	}
	if c == nil || c.isHub {
		out := awaitAnswers(ctx, op, reqs)
		return out, canceledErr(op, ctx)
	}
	// Wait off the hub, so that it runs on (and answers another hub that
	// asks it meanwhile).
	out, err := RunBlocking(ctx, func() ([]HubInfo, error) { return awaitAnswers(ctx, op, reqs), nil })
	if err != nil && ctxwait.Ended(ctx, err) {
		err = ctxwait.Err(ContextError(ctx), err) // ctx's own error, not RunBlocking's naming of it
	}
	switch {
	case err == nil:
		return out, canceledErr(op, ctx)
	case errors.Is(err, context.DeadlineExceeded):
		return unanswered(op, reqs, err), nil
	}
	return unanswered(op, reqs, err), opErr(op, err)
}

// canceledErr is op's error when ctx was cancelled.
func canceledErr(op string, ctx context.Context) error {
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return opErr(op, ContextError(ctx))
	}
	return nil
}

// awaitAnswers waits for the posted snapshots until every hub answered,
// RunInfoTimeout passed or ctx ended, and returns them in reqs' order
// (the caller fills in its own hub's). It only reads reqs, so that a
// caller that stopped waiting for it races with nothing.
func awaitAnswers(ctx context.Context, op string, reqs []request) []HubInfo {
	out := make([]HubInfo, len(reqs))
	timer := time.NewTimer(RunInfoTimeout)
	defer timer.Stop()
	var why error
	for i, r := range reqs {
		if r.ch == nil {
			continue
		}
		if why == nil {
			select {
			case out[i] = <-r.ch:
				continue
			case <-r.h.Done():
				out[i].Err = ErrHubDestroyed
				continue
			case <-timer.C:
				why = fmt.Errorf("no answer within %v: %w", RunInfoTimeout, ErrTimeout)
			case <-ctx.Done():
				why = ContextError(ctx)
			}
		}
		select {
		case out[i] = <-r.ch:
		default:
			out[i] = r.h.unansweredInfo(op, why)
		}
	}
	return out
}

// unanswered is every remote hub of reqs marked as not answering for why.
func unanswered(op string, reqs []request, why error) []HubInfo {
	out := make([]HubInfo, len(reqs))
	for i, r := range reqs {
		if r.ch != nil {
			out[i] = r.h.unansweredInfo(op, why)
		}
	}
	return out
}

// settingsInfo is the part of h's snapshot any goroutine may read.
func (h *Hub) settingsInfo() HubInfo {
	return HubInfo{
		ID:                h.number(),
		Owner:             h.owner,
		SwitchInterval:    h.SwitchInterval(),
		BlockingThreshold: h.BlockingThreshold(),
		ThreadpoolSize:    h.threadpoolSize,
		RecordSpawnStacks: h.recordStacks.Load(),
	}
}

// unansweredInfo is h's snapshot when it did not answer: its settings and
// the greenlet the blocking detector's word names (as the detector reads
// it, without racing with the hub).
func (h *Hub) unansweredInfo(op string, why error) HubInfo {
	hi := h.settingsInfo()
	if h.destroyed.Load() {
		hi.Err = ErrHubDestroyed
		return hi
	}
	hi.Err = opErr(op, fmt.Errorf("hub %d: %w", hi.ID, why))
	low := uint32(h.running.Load())
	if low == uint32(h.hubC.goid.Load()) {
		hi.Running = "hub"
	} else if c := h.blame(low); c != nil {
		hi.Running = c.displayName()
	}
	return hi
}

// snapshotOn takes h's snapshot on the hub; cur is the greenlet taking it.
func (h *Hub) snapshotOn(cur *gctx) HubInfo {
	hi := h.settingsInfo()
	hi.Running = cur.displayName()
	hi.Backend = backendName(h.loop.Backend())
	hi.LoopDepth = h.loop.Depth()
	hi.Watchers = h.loop.WatcherCount()
	hi.ActiveWatchers = h.loop.ActiveCount()
	hi.PendingWatchers = h.loop.PendingCount()
	hi.IdleWorkers = h.IdleWorkers()
	hi.Stats = h.Stats()
	hi.Greenlets = h.greenletTree(cur)
	return hi
}

// backendName names an EVBACKEND_* value.
func backendName(b uint) string {
	for name, bit := range backendNames {
		if b == bit {
			return name
		}
	}
	return fmt.Sprintf("%#x", b)
}

// symbolizeTree turns the recorded spawning stacks into SpawnedAt, off
// the hub, without the coroutine and scheduler frames every greenlet has.
func symbolizeTree(gs []GreenletInfo) {
	for i := range gs {
		g := &gs[i]
		for _, f := range framesOf(g.pcs) {
			if isMachinery(f.Function) || f.Function == "runtime.goexit" {
				continue
			}
			g.SpawnedAt = append(g.SpawnedAt, fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line))
		}
		g.pcs = nil
		symbolizeTree(g.Children)
	}
}

// treeNode is one greenlet while the tree is built.
type treeNode struct {
	info   GreenletInfo
	parent any // its spawner's key (see spawnNode); nil: a root
	kids   []*treeNode
}

// treeBuilder builds a hub's greenlet tree on the hub.
type treeBuilder struct {
	h        *Hub
	cur      *gctx
	runnable map[*gctx]bool // greenlets with a Sleep(0) wake-up queued
	links    map[*linkJob]*gctx
	nodes    map[any]*treeNode
	order    []*treeNode
}

// greenletTree returns h's greenlets as trees along the spawn tree; cur is
// the greenlet taking the snapshot. Hub-affine.
func (h *Hub) greenletTree(cur *gctx) []GreenletInfo {
	b := &treeBuilder{h: h, cur: cur, runnable: map[*gctx]bool{}, links: map[*linkJob]*gctx{}, nodes: map[any]*treeNode{}}
	h.cbs.each(func(e *cbEntry) {
		if c, ok := e.arg.(*gctx); ok && e.fn == nil && e.afn == nil {
			b.runnable[c] = true
		}
	})
	b.add(h.mainC, nil)
	b.add(h.hubC, nil)
	var tasks []*task
	for t := h.live.head; t != nil; t = t.next {
		tasks = append(tasks, t)
	}
	for _, t := range slices.Backward(tasks) {
		b.add(t, spawnNode(t.spawnP, t.spawnK))
	}
	raws := make([]*gctx, 0, len(h.raws))
	for rc := range h.raws {
		raws = append(raws, rc)
	}
	slices.SortFunc(raws, func(a, b *gctx) int { return cmp.Compare(a.rawInfo.seq, b.rawInfo.seq) })
	for _, rc := range raws {
		b.add(rc, spawnNode(rc.rawInfo.spawnP, rc.rawInfo.spawnK))
	}
	for _, j := range h.runningLinks(b.links) {
		b.add(j, h.hubC)
	}
	return b.assemble()
}

// runningLinks fills links with the Link callbacks h's greenlets run now
// and returns them in goroutine order.
func (h *Hub) runningLinks(links map[*linkJob]*gctx) []*linkJob {
	var js []*linkJob
	ctxs.Range(func(_, v any) bool {
		if c := v.(*gctx); c.hub == h && c.link != nil {
			links[c.link] = c
			js = append(js, c.link)
		}
		return true
	})
	slices.SortFunc(js, func(a, b *linkJob) int { return cmp.Compare(links[a].goid.Load(), links[b].goid.Load()) })
	return js
}

// add makes the node of key (a *task, *gctx or *linkJob) under parent.
func (b *treeBuilder) add(key, parent any) {
	if _, ok := b.nodes[key]; ok || key == nil {
		return
	}
	n := &treeNode{parent: parent}
	switch k := key.(type) {
	case *task:
		n.info = b.taskInfo(k)
	case *gctx:
		n.info = b.ctxInfo(k)
	case *linkJob:
		n.info = b.linkInfo(k)
	}
	b.nodes[key] = n
	b.order = append(b.order, n)
}

// assemble links every node to its parent, adding the spawners that are
// no longer alive, and returns the roots.
func (b *treeBuilder) assemble() []GreenletInfo {
	var roots []*treeNode
	// b.order grows while spawners are added; each added one is linked in
	// turn.
	for i := 0; i < len(b.order); i++ {
		n := b.order[i]
		if n.parent == nil {
			roots = append(roots, n)
			continue
		}
		b.add(n.parent, b.spawnerOfDead(n.parent))
		p := b.nodes[n.parent]
		p.kids = append(p.kids, n)
	}
	out := make([]GreenletInfo, len(roots))
	for i, r := range roots {
		out[i] = r.build()
	}
	return out
}

// spawnerOfDead returns the spawner of a spawner that was not among the
// live greenlets: a link's is the hub; a finished greenlet let go of its
// own.
func (b *treeBuilder) spawnerOfDead(key any) any {
	switch k := key.(type) {
	case *task:
		return spawnNode(k.spawnP, k.spawnK)
	case *gctx:
		if k.rawInfo != nil {
			return spawnNode(k.rawInfo.spawnP, k.rawInfo.spawnK)
		}
	case *linkJob:
		return b.h.hubC
	}
	return nil
}

func (n *treeNode) build() GreenletInfo {
	g := n.info
	if len(n.kids) > 0 {
		g.Children = make([]GreenletInfo, len(n.kids))
		for i, k := range n.kids {
			g.Children[i] = k.build()
		}
	}
	return g
}

// state fills the state of greenlet c, which has started and not ended.
func (b *treeBuilder) state(g *GreenletInfo, c *gctx) {
	g.Goroutine = c.goid.Load()
	switch {
	case c == b.cur:
		g.State = "running"
	case b.runnable[c]:
		g.State = "runnable"
	case c.waitingOn != "":
		g.State, g.WaitingOn = "waiting", c.waitLabel()
	default:
		g.State = "suspended"
	}
}

func (b *treeBuilder) taskInfo(t *task) GreenletInfo {
	g := GreenletInfo{Name: t.Name(), Kind: "greenlet", ID: t.id, pcs: spawnPCs(t.spawnP, t.spawnK)}
	switch {
	case t.Ready() || t.state == stDead:
		g.State = "dead"
	case t.state == stRunning && t.ctx != nil:
		b.state(&g, t.ctx)
	default:
		g.State = "scheduled"
		if t.startTimer() != nil {
			g.WaitingOn = t.laterLabel()
		}
	}
	return g
}

func (b *treeBuilder) ctxInfo(c *gctx) GreenletInfo {
	h := b.h
	switch {
	case c == h.mainC:
		g := GreenletInfo{Name: "main", Kind: "main"}
		b.state(&g, c)
		return g
	case c == h.hubC:
		g := GreenletInfo{Name: "hub", Kind: "hub"}
		b.state(&g, c)
		return g
	case c.rawInfo != nil:
		return b.rawInfo(c)
	}
	// A worker that runs neither a greenlet nor a link.
	g := GreenletInfo{Name: c.name, Kind: "greenlet"}
	b.state(&g, c)
	return g
}

func (b *treeBuilder) rawInfo(rc *gctx) GreenletInfo {
	g := GreenletInfo{Name: rc.name, Kind: "raw", ID: rc.rawInfo.seq, pcs: spawnPCs(rc.rawInfo.spawnP, rc.rawInfo.spawnK)}
	_, alive := b.h.raws[rc]
	switch {
	case !alive:
		g.State = "dead"
	case !rc.raw.Started():
		g.State = "scheduled"
	default:
		b.state(&g, rc)
	}
	return g
}

func (b *treeBuilder) linkInfo(j *linkJob) GreenletInfo {
	g := GreenletInfo{Name: "link", Kind: "link"}
	if r, ok := j.src.(Runnable); ok {
		g.Name = "link of " + r.Name()
	}
	if c := b.links[j]; c != nil {
		b.state(&g, c)
	} else {
		g.State = "dead"
	}
	return g
}
