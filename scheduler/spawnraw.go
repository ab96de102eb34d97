package scheduler

import (
	"errors"
	"runtime/pprof"
	"strconv"
	"unsafe"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/petermattis/goid"
)

// rawState is what the scheduler keeps of a greenlet made by SpawnRaw.
type rawState struct {
	seq    uint64
	fn     func() error
	spawnP unsafe.Pointer
	spawnK spawnKind
}

// SpawnRaw is gevent.spawn_raw: it creates a raw greenlet (package
// greenlet's) whose parent is the hub and schedules it to run fn in the
// next drain of the hub's callbacks, in order with the greenlets spawned
// and the callbacks queued before it. The raw greenlet has none of a
// Greenlet's bookkeeping: no result, links, name, Join or Kill, and spawn
// callbacks do not hear of it. To kill it, throw into it from a hub
// callback (RunCallback), as gevent.kill does with a raw greenlet: a raw
// greenlet that dies hands control to its parent, the hub, so a greenlet
// that throws into it directly is not resumed by that. It is a greenlet of the hub all
// the same: fn may block like any greenlet, has Local values of its own,
// shows in the live view and is unwound by Destroy. An error fn returns
// (other than ErrGreenletExit) and a panic are reported to the hub's error
// handler, as gevent's hub prints what escapes a raw greenlet.
//
// Each call makes a coroutine of its own, because the handle must stay
// valid after fn returns, while Spawn runs on the finished greenlets'
// coroutines: SpawnRaw saves the Greenlet object, not the coroutine, so
// Spawn is the cheaper of the two here. The scheduled start switches into
// the raw greenlet only if it has not run yet: one the program switched or
// threw into first is left to the program.
//
// It returns ErrNotGreenlet outside a greenlet of a hub and ErrNilArgument
// for a nil fn.
func SpawnRaw(fn func() error) (*greenlet.Greenlet, error) {
	if fn == nil {
		return nil, opErr("SpawnRaw", ErrNilArgument)
	}
	c := currentCtx()
	if c == nil {
		return nil, opErr("SpawnRaw", errNoHub)
	}
	h := c.hub
	if h.destroyed.Load() {
		return nil, opErr("SpawnRaw", ErrHubDestroyed)
	}
	h.rawSeq++
	rs := &rawState{seq: h.rawSeq, fn: fn}
	rs.spawnP, rs.spawnK = spawnRecord(c, 1)
	rc := &gctx{hub: h, name: "RawGreenlet-" + strconv.FormatUint(rs.seq, 10), rawInfo: rs}
	g, err := greenlet.NewWithParent(h.raw, rc.runRaw)
	if err != nil {
		return nil, opErr("SpawnRaw", err)
	}
	rc.raw = g
	setCtx(g, rc)
	if h.raws == nil {
		h.raws = make(map[*gctx]struct{})
	}
	h.raws[rc] = struct{}{}
	h.runCallbackArg(startRaw, rc)
	return g, nil
}

// startRaw runs on the hub: the run_callback(g.switch) of spawn_raw.
func startRaw(a any) {
	rc := a.(*gctx)
	if rc.raw.Dead() {
		// Thrown into before it ran: it died without running fn.
		rc.rawDone(nil)
		return
	}
	if rc.raw.Started() {
		return
	}
	rc.hub.switchInto(rc, nil)
}

// runRaw is a raw greenlet's body. What escapes fn is told apart by where
// control goes after recovering's recover (see escape.go): back here after a
// panic (under GODEBUG=panicnil=1 a panic(nil) too), to the deferred call
// below only after a runtime.Goexit.
func (rc *gctx) runRaw(any) (any, error) {
	h := rc.hub
	registerCtx(rc, goid.Get())
	defer unregisterCtx(rc)
	pprof.SetGoroutineLabels(h.labels)
	h.setRunning(rc)
	var esc *PanicError
	back := false
	defer func() {
		if !back {
			// A Goexit: the coroutine is going away.
			rc.rawDone(goexitEscape(esc))
		}
	}()
	var err error
	recovering(func() { err = rc.rawInfo.fn() }, &esc)
	back = true
	if esc != nil {
		err = esc
	}
	rc.rawDone(err)
	return nil, nil
}

// rawDone forgets a raw greenlet that ended and reports what escaped it.
func (rc *gctx) rawDone(err error) {
	h := rc.hub
	delete(h.raws, rc)
	rc.rawInfo.fn = nil
	rc.rawInfo.spawnP, rc.rawInfo.spawnK = nil, spawnNone
	rc.locals = nil
	if err != nil && !errors.Is(err, ErrGreenletExit) && !h.destroyed.Load() {
		h.HandleError(&GreenletError{Greenlet: rc.name, Err: err})
	}
	h.endIntoHub()
}

// endIntoHub is the switch into the hub of a coroutine that ends (into its
// parent, the hub): the detector sees the hub run from here, as after a
// switch, and so does AssertSwitches.
func (h *Hub) endIntoHub() {
	h.switches++
	h.running.Store(h.switches<<32 | uint64(uint32(h.hubC.goid.Load())))
	h.syncReport()
}
