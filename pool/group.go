package pool

import (
	"context"
	"slices"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/labelwait"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

// Group is gevent's Group: a set of greenlets; a greenlet leaves it when it
// finishes. The zero value is an empty group; NewGroup returns one too.
// Hub-affine.
type Group struct {
	bind scheduler.Binding
	// hub is the hub the state below belongs to; a rebind after that hub
	// was destroyed starts it afresh (its members can never finish).
	hub     *scheduler.Hub
	members map[scheduler.Runnable]member
	order   []scheduler.Runnable // insertion order, for Kill and Greenlets
	empty   *event.Event
	joins   []*joinState // Joins in progress
	seq     uint64       // the last member's number
	// slots is nil for a group without a limit; a bounded Pool has size
	// of them.
	slots   *lock.Semaphore
	size    int
	bounded bool
	// onFinish is the link of members that are scheduler greenlets.
	onFinish func(scheduler.Linkable)
}

// member is what the group keeps about one greenlet.
type member struct {
	link  scheduler.LinkID // the link that removes it when it finishes
	seq   uint64           // when it was added, for Join
	dying bool             // Kill raised in it already
}

// joinState is one Join in progress: it collects the first failure among
// the members that were in the group when it started.
type joinState struct {
	start    uint64 // members numbered below were there at the start
	first    error
	detached []scheduler.Runnable // such members that Discard removed
}

// Spawner is a *Group or a *Pool, for Spawn, Apply, Map and friends.
type Spawner interface {
	group() *Group
}

func (g *Group) group() *Group { return g }

// NewGroup returns an empty group.
func NewGroup() *Group { return &Group{} }

// check binds the group to the caller's hub if it is unbound and refuses
// a caller that may not make op there (a blocking op when wait), before
// the group is touched.
func (g *Group) check(op string, wait bool) (*scheduler.Hub, error) {
	if g == nil {
		return nil, nilArg(op)
	}
	var h *scheduler.Hub
	var err error
	if wait {
		h, err = g.bind.CheckWait()
	} else {
		h, err = g.bind.Check()
	}
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	if g.hub != h {
		g.adopt(h)
	}
	return h, nil
}

// adopt gives the group to h, empty.
func (g *Group) adopt(h *scheduler.Hub) {
	g.hub = h
	g.members = map[scheduler.Runnable]member{}
	g.order, g.joins = nil, nil
	g.empty = &event.Event{}
	g.empty.Set()
	g.slots = nil
	if g.bounded {
		g.slots = newSlots(g.size)
	}
}

// Len returns how many greenlets the group holds (none once its hub was
// destroyed).
func (g *Group) Len() int {
	if g == nil || g.bind.Hub() == nil {
		return 0
	}
	return len(g.members)
}

// Contains reports whether r is in the group; false from a goroutine that
// is not a greenlet of the group's hub.
func (g *Group) Contains(r scheduler.Runnable) bool {
	if g == nil || isNil(r) || g.bind.Hub().Check() != nil {
		return false
	}
	_, ok := g.members[r]
	return ok
}

// Greenlets returns the members in the order they were added; nil from a
// goroutine that is not a greenlet of the group's hub.
func (g *Group) Greenlets() []scheduler.Runnable {
	if g == nil || g.bind.Hub().Check() != nil {
		return nil
	}
	return g.greenlets()
}

func (g *Group) greenlets() []scheduler.Runnable {
	out := make([]scheduler.Runnable, 0, len(g.members))
	for _, r := range g.order {
		if _, ok := g.members[r]; ok {
			out = append(out, r)
		}
	}
	return out
}

// finishLink returns the link that removes r when it finishes. A greenlet
// of package scheduler passes itself to its links, so one link bound to
// the group serves them all; any other Runnable gets a closure over r.
func (g *Group) finishLink(r scheduler.Runnable) func(scheduler.Linkable) {
	if _, ok := r.(scheduler.Killable); !ok {
		return func(scheduler.Linkable) { g.finished(r) }
	}
	if g.onFinish == nil {
		g.onFinish = func(l scheduler.Linkable) {
			if r, ok := l.(scheduler.Runnable); ok {
				g.finished(r)
			}
		}
	}
	return g.onFinish
}

// compact drops the departed from the insertion order, in place: every
// reader iterates a copy (greenlets), so the slice can be reused.
func (g *Group) compact() {
	n := 0
	for _, r := range g.order {
		if _, ok := g.members[r]; ok {
			g.order[n] = r
			n++
		}
	}
	clear(g.order[n:])
	g.order = g.order[:n]
}

// Add puts r in the group; it leaves when it finishes. Add never waits: on
// the Group of a bounded Pool it takes a free slot or fails with
// ErrPoolFull (Pool.Add waits for one). r must be a greenlet of the group's
// hub: one of another hub is refused with scheduler.ErrNotGreenlet, as its
// finish could never reach the group.
func (g *Group) Add(r scheduler.Runnable) error {
	const op = "Group.Add"
	h, err := g.check(op, false)
	if err != nil {
		return err
	}
	return g.add(noWait, h, op, r)
}

// add is Add, Pool.Add and Pool.TryAdd after the caller's check: it takes
// a slot on a bounded group (waiting for one until ctx is done; a nil ctx
// does not wait) and links r.
func (g *Group) add(ctx context.Context, h *scheduler.Hub, op string, r scheduler.Runnable) error {
	if err := admissible(h, op, r); err != nil {
		return err
	}
	if _, ok := g.members[r]; ok {
		return nil
	}
	return g.enlist(ctx, h, op, r, false)
}

// enlist is add for an admissible r that is not a member. fresh says that
// the caller made r itself with scheduler.New just now (spawn), so that no
// other greenlet can add it while this one waits for a slot: the members
// lookup after the wait is skipped then, one map operation on an interface
// key per item of a Map.
func (g *Group) enlist(ctx context.Context, h *scheduler.Hub, op string, r scheduler.Runnable, fresh bool) error {
	if g.slots != nil {
		if err := g.takeSlot(ctx, h, op); err != nil {
			return err
		}
		if !fresh {
			if _, ok := g.members[r]; ok {
				// Added by another greenlet while this one waited.
				_, _ = g.slots.Release()
				return nil
			}
		}
	}
	id := r.Rawlink(g.finishLink(r))
	if id == 0 {
		// Refused by r itself: a Runnable without Hub of another hub.
		if g.slots != nil {
			_, _ = g.slots.Release()
		}
		return &Error{Op: op, Err: scheduler.ErrNotGreenlet}
	}
	g.seq++
	g.members[r] = member{link: id, seq: g.seq}
	g.order = append(g.order, r)
	g.empty.Clear()
	return nil
}

// admissible refuses a nil r and a greenlet of another hub than h before
// the group takes a slot for it.
func admissible(h *scheduler.Hub, op string, r scheduler.Runnable) error {
	if isNil(r) {
		return nilArg(op)
	}
	if hr, ok := r.(interface{ Hub() *scheduler.Hub }); ok && hr.Hub() != h {
		return &Error{Op: op, Err: scheduler.ErrNotGreenlet}
	}
	return nil
}

// finished is the link of a member: it records a failure for the Joins in
// progress and removes the member.
func (g *Group) finished(r scheduler.Runnable) {
	m, ok := g.members[r]
	if !ok {
		return
	}
	if err := r.Err(); err != nil {
		for _, j := range g.joins {
			if j.first == nil && m.seq < j.start {
				j.first = err
			}
		}
	}
	g.remove(r)
}

// remove takes r out of the members and frees its slot.
func (g *Group) remove(r scheduler.Runnable) {
	delete(g.members, r)
	if len(g.members) == 0 {
		clear(g.order)
		g.order = g.order[:0]
		g.empty.Set()
	} else if len(g.order) > 4*len(g.members)+16 {
		g.compact()
	}
	if g.slots != nil {
		_, _ = g.slots.Release()
	}
}

// Discard removes r from the group without waiting for it (gevent's
// discard); a greenlet that is not a member is ignored.
func (g *Group) Discard(r scheduler.Runnable) error { return g.discard("Group.Discard", r) }

// discard is Discard and Pool.Discard, whose errors name op.
func (g *Group) discard(op string, r scheduler.Runnable) error {
	if _, err := g.check(op, false); err != nil {
		return err
	}
	if isNil(r) {
		return nilArg(op)
	}
	g.discardMember(r)
	return nil
}

// discardMember is Discard after the checks.
func (g *Group) discardMember(r scheduler.Runnable) {
	m, ok := g.members[r]
	if !ok {
		return
	}
	for _, j := range g.joins {
		if m.seq < j.start {
			j.detached = append(j.detached, r)
		}
	}
	g.remove(r)
	r.Unlink(m.link)
}

// Join waits until the group is empty or ctx is done (gevent's join: the
// group was empty at some moment; greenlets may have been added since). It
// returns the wait's error (scheduler.ContextError's, or what was thrown
// into the caller), else the first failure, in the order they finished,
// among the greenlets that were in the group when Join started (as
// errgroup.Group.Wait; gevent's raise_error), as the greenlet returned it;
// nil when they all succeeded.
func (g *Group) Join(ctx context.Context) error { return g.join(ctx, "Group.Join") }

// join is Join and Pool.Join, whose errors name op.
func (g *Group) join(ctx context.Context, op string) error {
	if ctx == nil {
		return nilArg(op)
	}
	if _, err := g.check(op, true); err != nil {
		return err
	}
	j := &joinState{start: g.seq + 1}
	g.joins = append(g.joins, j)
	err := labelwait.EventWait(g.empty, ctx, op) // shows op, not Event.Wait
	g.dropJoin(j)
	if err != nil {
		return waitErr(op, ctx, err)
	}
	if j.first != nil {
		return j.first
	}
	for _, r := range j.detached {
		if e := r.Err(); e != nil {
			return e
		}
	}
	return nil
}

func (g *Group) dropJoin(j *joinState) {
	if i := slices.Index(g.joins, j); i >= 0 {
		g.joins = slices.Delete(g.joins, i, i+1)
	}
}

// Kill raises err (scheduler.ErrGreenletExit when nil) in every member, in
// the order they were added, once each, and waits until the group is
// empty or ctx is done (gevent's kill with block=True). As gevent's, it
// waits for the members it killed, then kills those added meanwhile, and
// so on; a member discarded while Kill waits for it is still waited for.
// It returns nil once the group was empty, else the wait's error.
func (g *Group) Kill(ctx context.Context, err error) error { return g.kill(ctx, "Group.Kill", err) }

// kill is Kill and Pool.Kill, whose errors name op.
func (g *Group) kill(ctx context.Context, op string, err error) error {
	if ctx == nil {
		return nilArg(op)
	}
	if _, e := g.check(op, true); e != nil {
		return e
	}
	self := scheduler.GetCurrent()
	for len(g.members) > 0 {
		batch := g.greenlets()
		for _, r := range batch {
			if e := g.killOne(op, r, err); e != nil {
				return e
			}
		}
		// As gevent's joinall(self.greenlets): wait for the members just
		// killed, not for the group to be empty, so that those added
		// meanwhile are killed in the next round.
		waited, e := g.awaitKilled(ctx, batch, self)
		if e == nil && !waited && len(g.members) > 0 {
			// Only the caller is left, a member killing its own group:
			// its kill ends this wait.
			e = g.empty.Wait(ctx)
		}
		if e != nil {
			return waitErr(op, ctx, e)
		}
	}
	return nil
}

// awaitKilled waits until no greenlet of batch but self is a member any
// more, and reports whether it waited for one.
func (g *Group) awaitKilled(ctx context.Context, batch []scheduler.Runnable, self scheduler.Runnable) (bool, error) {
	waited := false
	for _, r := range batch {
		if r == self {
			continue
		}
		ok, err := g.awaitLeave(ctx, r)
		if err != nil {
			return true, err
		}
		waited = waited || ok
	}
	return waited, nil
}

// awaitLeave waits until r, if it is a member, has left the group, and
// reports whether it waited. It waits from a link of r, added after the
// group's, which removes r: a Join of r returns at once when r is dead, but
// r leaves from its link, in a hub callback after its death.
func (g *Group) awaitLeave(ctx context.Context, r scheduler.Runnable) (bool, error) {
	if _, member := g.members[r]; !member {
		return false, nil
	}
	w := scheduler.NewWaiter("pool: killed member leaving")
	id := r.Rawlink(func(scheduler.Linkable) { w.Switch(nil) })
	if id == 0 {
		return false, nil
	}
	if _, err := w.Get(ctx); err != nil {
		r.Unlink(id)
		return true, err
	}
	return true, nil
}

// KillAsync is Kill without the wait (gevent's kill with block=False): it
// raises err in every member and returns at once.
func (g *Group) KillAsync(err error) error { return g.killAsync("Group.KillAsync", err) }

// killAsync is KillAsync and Pool.KillAsync, whose errors name op.
func (g *Group) killAsync(op string, err error) error {
	if _, e := g.check(op, false); e != nil {
		return e
	}
	return g.killAll(op, err)
}

// killAll raises err in every member not yet dying.
func (g *Group) killAll(op string, err error) error {
	for _, r := range g.greenlets() {
		if e := g.killOne(op, r, err); e != nil {
			return e
		}
	}
	return nil
}

// Full reports whether Spawn would wait: never for a plain Group, which has
// no size limit; for the Group of a bounded Pool, whether every slot is
// taken (Pool.Full says the same).
func (g *Group) Full() bool {
	return g != nil && g.bounded && g.size-g.Len() <= 0
}

// FreeCount returns how many greenlets can be added without waiting
// (gevent's free_count): for the Group of a bounded Pool, its free slots;
// 1 for a group without a limit (a plain Group, or a zero or Unbounded
// Pool's), which never waits, as gevent's Pool(None) answers; 0 for a nil
// group.
func (g *Group) FreeCount() int {
	if g == nil {
		return 0
	}
	if !g.bounded {
		return 1
	}
	return max(0, g.size-g.Len())
}

// WaitAvailable waits until a greenlet can be added without waiting, or
// until ctx is done (gevent's wait_available), and returns the number of
// free slots then, which may be 0 again by the time the caller adds. A group
// without a limit answers 1 at once. Pool.WaitAvailable says the same. The
// error is scheduler.ErrNilArgument (nil ctx), scheduler.ErrNotGreenlet
// (also from a hub callback, even when it would not wait), or the wait's:
// scheduler.ContextError's (where gevent returns 0 after its timeout), or
// what was thrown into the caller meanwhile.
func (g *Group) WaitAvailable(ctx context.Context) (int, error) {
	return g.waitAvailable(ctx, "Group.WaitAvailable")
}

func (g *Group) waitAvailable(ctx context.Context, op string) (int, error) {
	if ctx == nil {
		return 0, nilArg(op)
	}
	if _, err := g.check(op, true); err != nil {
		return 0, err
	}
	if g.slots == nil {
		return 1, nil
	}
	n, err := labelwait.SemaphoreWait(g.slots, ctx, op) // shows op, not Semaphore.Wait
	if err != nil {
		return n, waitErr(op, ctx, err)
	}
	return n, nil
}
