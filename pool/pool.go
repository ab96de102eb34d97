// Package pool provides gevent's Group and Pool: sets of greenlets that are
// joined and killed together, with Spawn, Apply, Map, Imap and
// ImapUnordered, their async and callback forms (ApplyAsync, MapAsync,
// ApplyCallback, MapCallback), and a Pool that caps how many run at once.
// There is no thread-backed pool here: see the threadpool package.
//
// # Who may call what, from where
//
// Everything is hub-affine: a Group or Pool binds to the hub of the first
// greenlet that uses it (see scheduler.Binding), and every call that
// returns an error, made from a goroutine that is not a greenlet of that
// hub, returns one matching scheduler.ErrNotGreenlet before the group is
// touched; no call creates a hub. A call that has to wait (Pool.Add,
// Pool.Start and Spawn on a full pool, Join, Kill, KillOne, WaitAvailable,
// Apply, ApplyCallback, Map, MapCallback, Imap) is refused the same way
// from the hub greenlet itself (a callback); Group.Add, Group.Start,
// TrySpawn, Pool.TryAdd, Pool.TryStart, Discard, KillAsync, KillOneAsync,
// ApplyAsync, MapAsync and a Spawn that finds a free slot do not wait, so a
// callback may make them. The accessors (Len, Size, FreeCount, Full) are
// plain reads, meant for the hub's greenlets; Contains and Greenlets answer
// false and nil elsewhere. A greenlet can belong to one hub only, so a
// group refuses a greenlet of another hub with ErrNotGreenlet (its finish
// could never reach the group).
//
// # Waits, kills and the end of the hub
//
// Every wait takes a context and ends with scheduler.ContextError's error
// when the context ends first (not the error of the primitive or the
// greenlet the call waited on, which saw it), or with what is thrown into
// the waiting greenlet (Kill's error, a Timeout, LoopExit), each in an
// *Error naming the call. A Spawn or Add that ends so
// while waiting for a slot has added nothing, and its fn never runs. Apply
// and Map that end early leave the greenlets they spawned running, members
// of the group.
//
// Kill raises its error in every member, those added while it waits too,
// and returns once the group is empty; a Join waiting meanwhile returns
// then, with the first failure among its members: the kill's error, unless
// one failed before (GreenletExit is no failure: it counts as success, as
// in gevent). A member leaves the group from its link, in a hub callback
// after it finished: Len counts a killed member until then (Kill and Join
// return after it).
//
// Imap and ImapUnordered pull items lazily from a feeder greenlet. Their
// iteration ends when the loop body breaks or panics, when ctx ends, or
// when the iterating greenlet is killed (the kill's error is the last pair
// yielded): then nothing more is pulled, and the greenlets still running are
// killed and waited for, until they have left the group.
//
// ApplyAsync and MapAsync return a greenlet to wait on instead of waiting;
// the greenlet of MapAsync, and that of ApplyAsync on a full pool, is no
// member of the group: killing it gives up what it still waits for, as
// ending the context of Map or Apply does. Their callbacks, and that of
// ApplyCallback, run in greenlets of their own that the group does not
// track; MapCallback's runs in the caller.
//
// When the hub is destroyed its greenlets die with it; a Group or Pool bound
// to it is then empty and binds to the next hub that uses it.
package pool

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/internal/labelwait"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// noWait is the nil context the Try forms pass to the shared spawn, add and start: do not
// wait for a slot.
var noWait context.Context

// Sentinel errors, matchable with errors.Is.
var (
	// ErrPoolFull is returned by TryAdd and TrySpawn on a full Pool, and by
	// Group.Add on a Pool's Group (gevent's PoolFull). It also matches
	// queue.ErrFull. A wait for a slot that ends with its context returns
	// the context's error instead.
	ErrPoolFull = &poolFull{}
	// ErrBadSize is returned by New for a size below Unbounded.
	ErrBadSize = errors.New("pool size must be >= 0, or Unbounded")
	// ErrBadMaxSize is yielded by Imap and ImapUnordered given a negative
	// ImapMaxSize.
	ErrBadMaxSize = errors.New("imap maxsize must be >= 0")
)

type poolFull struct{}

// Error returns ErrPoolFull's message.
func (*poolFull) Error() string { return "pool full" }

// Is makes ErrPoolFull match queue.ErrFull.
func (*poolFull) Is(target error) bool { return target == queue.ErrFull }

// Error adds the operation to a sentinel or a cause.
type Error struct {
	Op  string // e.g. "Pool.Add"
	Err error  // a sentinel (ErrPoolFull, ErrBadSize, scheduler.ErrNotGreenlet, ...) or the cause of a failed wait
}

// Error returns "pool: Op: cause", so the text names the package and the
// call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "pool: <nil>"
	}
	return "pool: " + e.Op + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout (a context's deadline:
// scheduler.ContextError's error), so os.IsTimeout and net.Error users see
// one, as with package os's and net's errors.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

func nilArg(op string) error { return &Error{Op: op, Err: scheduler.ErrNilArgument} }

// waitErr is the error of op's wait bounded by ctx, failed with err: the
// end of ctx (decided by ctx itself: ctxwait.Ended) wraps
// scheduler.ContextError's error, not the error of the primitive or the
// greenlet that saw it; anything else (a kill's error too) is wrapped as it
// is.
func waitErr(op string, ctx context.Context, err error) error {
	if ctxwait.Ended(ctx, err) {
		err = ctxwait.Err(scheduler.ContextError(ctx), err)
	}
	return &Error{Op: op, Err: err}
}

// isNil reports whether v is nil or holds a nil pointer or func (a nil
// *Greenlet[T] passed as a scheduler.Runnable, a nil fn), whose use would
// panic.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Interface, reflect.Map, reflect.Chan:
		return rv.IsNil()
	default:
		return false
	}
}

// Unbounded is the size of a pool without a limit (gevent's Pool(None)):
// New(Unbounded) returns the same pool as the zero Pool.
const Unbounded = -1

// Pool is gevent's Pool: a Group that holds at most Size greenlets at
// once; Add and Spawn wait for a free slot. The zero value is an unbounded
// pool, as gevent's Pool(size=None): it tracks greenlets like a Group and
// never waits. New creates a bounded one. Hub-affine.
type Pool struct {
	// Group supplies membership (Discard, Join, Kill, ...); New gives it
	// the slots that Pool.Add and Spawn wait on. Group.Add on it takes a
	// free slot or fails with ErrPoolFull, it never waits.
	Group
}

// New returns a pool of size slots. Size 0 is a pool that never has a free
// slot (every Spawn waits until its context ends, as with gevent's
// Pool(0)); Unbounded is a pool without a limit.
func New(size int) (*Pool, error) {
	if size < Unbounded {
		return nil, &Error{Op: "New", Err: ErrBadSize}
	}
	p := &Pool{}
	if size >= 0 {
		p.bounded, p.size = true, size
	}
	return p, nil
}

func (p *Pool) group() *Group {
	if p == nil {
		return nil
	}
	return &p.Group
}

// Size returns the number of slots, Unbounded for an unbounded pool.
func (p *Pool) Size() int {
	if p == nil || !p.bounded {
		return Unbounded
	}
	return p.size
}

// FreeCount returns how many greenlets can be added without waiting: see
// Group.FreeCount; 0 for a nil pool.
func (p *Pool) FreeCount() int { return p.group().FreeCount() }

// Full reports whether Add or Spawn would wait.
func (p *Pool) Full() bool { return p.FreeCount() <= 0 }

// WaitAvailable waits until a slot is free or ctx is done and returns the
// number of free slots then: see Group.WaitAvailable.
func (p *Pool) WaitAvailable(ctx context.Context) (int, error) {
	return p.group().waitAvailable(ctx, "Pool.WaitAvailable")
}

// Add puts r in the pool, waiting for a free slot first, or until ctx is
// done (gevent's Pool.add); r leaves when it finishes, freeing its slot. A
// greenlet already in the pool is not added twice and takes no second slot.
// r must be a greenlet of the pool's hub. The error is scheduler.ErrNilArgument
// (nil ctx or r), scheduler.ErrNotGreenlet (a caller or an r of another
// hub), or the wait's: scheduler.ContextError's, or what was thrown into
// the caller meanwhile (Kill, a Timeout, LoopExit).
func (p *Pool) Add(ctx context.Context, r scheduler.Runnable) error {
	const op = "Pool.Add"
	if ctx == nil {
		return nilArg(op)
	}
	g := p.group()
	h, err := g.check(op, false)
	if err != nil {
		return err
	}
	return g.add(ctx, h, op, r)
}

// TryAdd is Add without waiting: ErrPoolFull when no slot is free.
func (p *Pool) TryAdd(r scheduler.Runnable) error {
	const op = "Pool.TryAdd"
	g := p.group()
	h, err := g.check(op, false)
	if err != nil {
		return err
	}
	return g.add(noWait, h, op, r)
}

// takeSlot takes a slot of a bounded group, waiting for one until ctx is
// done; a nil ctx means do not wait.
func (g *Group) takeSlot(ctx context.Context, h *scheduler.Hub, op string) error {
	if g.slots.TryAcquire() {
		return nil
	}
	if ctx == nil {
		return &Error{Op: op, Err: ErrPoolFull}
	}
	if err := h.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	// Shows the call, not Semaphore.Acquire.
	if err := labelwait.SemaphoreAcquire(g.slots, ctx, waitLabel(op)); err != nil {
		return waitErr(op, ctx, err)
	}
	return nil
}

// waitLabel is what a greenlet waiting in the call op shows in runinfo and
// LoopExit's report: a method as its errors name it (Pool.Add), a function
// of the package with the package's name (pool.Spawn), as the greenlets of
// ApplyAsync and MapAsync are named. Each is a constant: a wait builds no
// string.
func waitLabel(op string) string {
	switch op {
	case "Spawn":
		return "pool.Spawn"
	case "Apply":
		return "pool.Apply"
	case "ApplyAsync":
		return "pool.ApplyAsync"
	case "ApplyCallback":
		return "pool.ApplyCallback"
	case "Map":
		return "pool.Map"
	case "MapAsync":
		return "pool.MapAsync"
	case "MapCallback":
		return "pool.MapCallback"
	case "Imap":
		return "pool.Imap"
	case "ImapUnordered":
		return "pool.ImapUnordered"
	}
	return op
}

// newSlots returns the semaphore of a bounded group's slots (size is never
// negative: New refuses that before a Pool exists).
func newSlots(size int) *lock.Semaphore {
	s, _ := lock.NewSemaphore(max(size, 0))
	return s
}

// The Group methods below are promoted from the embedded Group; they are
// spelled out so that a nil *Pool gets the nil *Group's answers
// (scheduler.ErrNilArgument, zero) instead of a nil dereference, and so that
// their errors name the Pool method called (p.Group's name Group).

// Join is Group.Join.
func (p *Pool) Join(ctx context.Context) error { return p.group().join(ctx, "Pool.Join") }

// Kill is Group.Kill.
func (p *Pool) Kill(ctx context.Context, err error) error {
	return p.group().kill(ctx, "Pool.Kill", err)
}

// KillAsync is Group.KillAsync.
func (p *Pool) KillAsync(err error) error { return p.group().killAsync("Pool.KillAsync", err) }

// KillOne is Group.KillOne.
func (p *Pool) KillOne(ctx context.Context, r scheduler.Runnable, err error) error {
	return p.group().killOneWait(ctx, "Pool.KillOne", r, err)
}

// KillOneAsync is Group.KillOneAsync.
func (p *Pool) KillOneAsync(r scheduler.Runnable, err error) error {
	return p.group().killOneAsync("Pool.KillOneAsync", r, err)
}

// Discard is Group.Discard.
func (p *Pool) Discard(r scheduler.Runnable) error { return p.group().discard("Pool.Discard", r) }

// Len is Group.Len.
func (p *Pool) Len() int { return p.group().Len() }

// Contains is Group.Contains.
func (p *Pool) Contains(r scheduler.Runnable) bool { return p.group().Contains(r) }

// Greenlets is Group.Greenlets.
func (p *Pool) Greenlets() []scheduler.Runnable { return p.group().Greenlets() }
