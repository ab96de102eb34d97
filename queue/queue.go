// Package queue provides gevent's queues for greenlets, typed with generics:
// Queue (FIFO; LIFO, priority and simple queues from NewLifo, NewPriority,
// NewPriorityFunc and NewSimple), JoinableQueue, and Channel, an unbuffered
// rendezvous.
//
// # Hand-off
//
// They follow gevent's hand-off rules: a Put into a queue with room stores
// the item and schedules one hub callback that wakes the first waiting
// getter, which then takes the first item; a greenlet that calls Get before
// that callback runs takes the item first (the woken getter only wakes if an
// item is still there). A Put on a full queue waits in FIFO order; its item
// enters the queue from the hub callback that wakes it. A Channel pairs its
// first waiting putter with its first waiting getter from one hub callback,
// so every Put and Get on it switches to the hub at least once.
//
// # Goroutines
//
// Every type is hub-affine, as gevent documents its queues as safe across
// greenlets only, not threads. From a goroutine that is not a greenlet of the
// queue's hub every call that returns an error fails with one matching
// scheduler.ErrNotGreenlet before touching the queue, the non-blocking ones
// (TryPut, TryGet, TryPeek, TaskDone, SetMaxSize) included; Copy, which
// returns no error, gives nil there. No call creates a hub. From the hub
// greenlet itself (a callback) the calls that do not wait work and those
// that would wait are refused the same way; a Channel's calls all wait, its
// Try forms for one loop iteration. Shutdown, IsShutdown and MaxSize are
// goroutine-safe; the other accessors (Len, Empty, Full, Getters, Putters,
// Unfinished, Balance) are hub-affine reads.
//
// # Waiting and shutting down
//
// Put, Get, Peek, Join and All take a context first and end with
// scheduler.ContextError's error when it ends first (not the error of the
// wait that saw it), or with the error thrown into the waiting greenlet
// (Kill's GreenletExit, a *scheduler.Timeout, a *scheduler.LoopExitError),
// wrapped in an *Error naming the call. A waiter whose wait ends early
// leaves nothing behind: a getter takes no item, a putter's item is not put.
// Shutdown wakes every waiting greenlet: putters with ErrShutdown, which
// matches scheduler.ErrClosed, and getters with the items left (those
// waiting for an item a Put stored just before), then ErrShutdown. Later
// Puts fail with it, and Gets return the items left, then ErrShutdown,
// which ends All's iteration cleanly.
//
// A priority queue's less that panics leaves the queue as it was; a Put
// waiting for room then returns ErrLessPanic (NewPriorityFunc).
//
// # Zero values
//
// The zero Queue is an unbounded FIFO queue, the zero JoinableQueue an
// unbounded FIFO JoinableQueue and the zero Channel a channel: none needs a
// constructor. A queue binds to the hub of the first greenlet that uses it
// (gevent binds at creation; a Go value may be created anywhere), and binds
// again to the next hub that uses it once that hub is destroyed.
package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"runtime/debug"
	"slices"
	"sync/atomic"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/internal/labelwait"
	"github.com/geventgo/geventgo/internal/sentinel"
	"github.com/geventgo/geventgo/scheduler"
)

// noWait is the nil context the Try forms pass to the shared get and put: do not wait.
var noWait context.Context

// Sentinel errors, matchable with errors.Is.
var (
	// ErrEmpty: TryGet or TryPeek found no item.
	ErrEmpty = errors.New("queue empty")
	// ErrFull: TryPut found no room.
	ErrFull = errors.New("queue full")
	// ErrShutdown: the queue was shut down; Get returns it once the queue
	// is drained, Put at once, and every waiter gets it at Shutdown. It
	// matches scheduler.ErrClosed.
	ErrShutdown = sentinel.Of(scheduler.ErrClosed, "queue shut down")
	// ErrTaskDone: TaskDone was called more times than items were put.
	ErrTaskDone = errors.New("TaskDone called too many times")
	// ErrLessPanic: the less of a NewPriorityFunc queue panicked while a
	// waiting putter's item was moved in; the error also holds a
	// *scheduler.PanicError with the panic value and stack.
	ErrLessPanic = errors.New("less panicked")
)

// Error adds the operation to a sentinel or to the error thrown into the
// waiting greenlet.
type Error struct {
	Op  string // e.g. "Queue.Get"
	Err error  // a sentinel (ErrEmpty, ErrFull, ...) or the error thrown into the wait
}

// Error returns "queue: Op: cause", so the text names the package and the
// call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "queue: <nil>"
	}
	return "queue: " + e.Op + ": " + fmt.Sprint(e.Err)
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

// store is the item container: FIFO ring, LIFO stack or heap.
type store[T any] interface {
	put(T)
	get() T
	peek() T
	len() int
	clone() store[T] // the same items in the same order, sharing no memory
}

type ring[T any] struct {
	buf        []T
	head, size int
}

func (r *ring[T]) len() int { return r.size }

func (r *ring[T]) put(v T) {
	if r.size == len(r.buf) {
		n := max(8, 2*len(r.buf))
		nb := make([]T, n)
		for i := 0; i < r.size; i++ {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = v
	r.size++
}

func (r *ring[T]) get() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return v
}

func (r *ring[T]) peek() T { return r.buf[r.head] }

func (r *ring[T]) clone() store[T] {
	c := &ring[T]{buf: make([]T, r.size), size: r.size}
	for i := range r.size {
		c.buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	return c
}

type stack[T any] struct{ s []T }

func (s *stack[T]) len() int { return len(s.s) }
func (s *stack[T]) put(v T)  { s.s = append(s.s, v) }
func (s *stack[T]) peek() T  { return s.s[len(s.s)-1] }
func (s *stack[T]) clone() store[T] {
	return &stack[T]{s: slices.Clone(s.s)}
}
func (s *stack[T]) get() T {
	var zero T
	v := s.s[len(s.s)-1]
	s.s[len(s.s)-1] = zero
	s.s = s.s[:len(s.s)-1]
	return v
}

// heap is a binary min-heap ordered by less; equal items leave in no
// particular order, as with Python's heapq. put and get call less only
// before they move anything, so a less that panics leaves the heap as it
// was: no item lost, duplicated or out of order.
type heap[T any] struct {
	s    []T
	less func(a, b T) bool
}

func (h *heap[T]) len() int { return len(h.s) }
func (h *heap[T]) peek() T  { return h.s[0] }

// clone copies the heap's slice as it is: it is a heap already, so the
// copy gives its items in the same order (gevent heapifies a heap, which
// moves nothing).
func (h *heap[T]) clone() store[T] {
	return &heap[T]{s: slices.Clone(h.s), less: h.less}
}

// put finds where v goes up the path from the new last slot, then moves
// the parents on that path down one level and stores v.
func (h *heap[T]) put(v T) {
	n := len(h.s)
	i := n
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(v, h.s[p]) {
			break
		}
		i = p
	}
	h.s = append(h.s, v)
	for j := n; j != i; {
		p := (j - 1) / 2
		h.s[j] = h.s[p]
		j = p
	}
	h.s[i] = v
}

// get finds where the last item goes down from the root, then moves the
// children on that path up one level and stores it there.
func (h *heap[T]) get() T {
	v := h.s[0]
	n := len(h.s) - 1
	x := h.s[n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		mv := x
		if l < n && h.less(h.s[l], mv) {
			m, mv = l, h.s[l]
		}
		if r < n && h.less(h.s[r], mv) {
			m = r
		}
		if m == i {
			break
		}
		i = m
	}
	// The path from the root to i follows the bits of i+1 below its top
	// one: node a's child toward i is 2a+1+bit.
	depth := bits.Len(uint(i+1)) - 1
	a := 0
	for d := depth - 1; d >= 0; d-- {
		c := 2*a + 1 + ((i+1)>>d)&1
		h.s[a] = h.s[c]
		a = c
	}
	h.s[i] = x
	var zero T
	h.s[n] = zero
	h.s = h.s[:n]
	return v
}

type putter[T any] struct {
	w    scheduler.Waiter
	item T
}

// Queue is gevent's Queue: a FIFO of items with an optional maximum size.
// The zero value is an unbounded FIFO queue. Hub-affine.
type Queue[T any] struct {
	// maxsize is the limit, 0 for none. Atomic so that MaxSize stays
	// goroutine-safe while SetMaxSize changes it on the hub; the hub's
	// own reads are plain loads.
	maxsize atomic.Int64
	items   store[T]
	getters []*scheduler.Waiter
	putters []*putter[T]
	// unlockPending: a runUnlock is queued on unlockHub and has not
	// started (gevent's _event_unlock is falsy again once its callback
	// runs). A destroyed hub never runs it: the next hub queues its own.
	unlockPending bool
	unlockHub     *scheduler.Hub
	shut          atomic.Bool
	joinable      *joinState
	hub           scheduler.Binding
	invalid       error // why every Put fails: a constructor's bad argument
}

// New returns a FIFO queue holding at most maxsize items (maxsize <= 0:
// unbounded, as gevent's Queue(None)).
func New[T any](maxsize int) *Queue[T] {
	q := &Queue[T]{items: &ring[T]{}}
	q.setLimit(maxsize)
	return q
}

// NewSimple returns an unbounded FIFO queue (gevent's SimpleQueue).
func NewSimple[T any]() *Queue[T] { return New[T](0) }

// NewLifo returns a queue that gives the most recently put item first.
func NewLifo[T any](maxsize int) *Queue[T] {
	q := &Queue[T]{items: &stack[T]{}}
	q.setLimit(maxsize)
	return q
}

// NewPriority returns a queue that gives the smallest item first.
func NewPriority[T cmp.Ordered](maxsize int) *Queue[T] {
	return NewPriorityFunc(maxsize, cmp.Less[T])
}

// NewPriorityFunc returns a queue that gives the smallest item first
// according to less. With a nil less every Put fails with
// scheduler.ErrNilArgument.
//
// A panic of less goes up through the call that ran it (Put, TryPut, Get,
// TryGet, or a Get that waited and was woken with an item), as it would out
// of container/heap, and leaves the queue as it was: no item added, taken
// or reordered, every other waiter still waiting or woken as before. The
// exception is a Put that waited for room: the hub callback that wakes it
// moves its item in, so a panic there is not raised on the hub; that Put
// returns an error matching ErrLessPanic, which also holds a
// *scheduler.PanicError with the panic value and stack, its item not put,
// and the next waiting putter's item is moved in.
func NewPriorityFunc[T any](maxsize int, less func(a, b T) bool) *Queue[T] {
	q := &Queue[T]{items: &heap[T]{less: less}}
	q.setLimit(maxsize)
	if less == nil {
		q.invalid = fmt.Errorf("NewPriorityFunc with a nil less: %w", scheduler.ErrNilArgument)
	}
	return q
}

func (q *Queue[T]) store() store[T] {
	if q.items == nil {
		q.items = &ring[T]{}
	}
	return q.items
}

// setLimit is a constructor's: it stores a positive maxsize (the zero
// value is already unbounded).
func (q *Queue[T]) setLimit(n int) {
	if n > 0 {
		q.maxsize.Store(int64(n))
	}
}

// hasRoom reports whether a Put would store its item at once.
func (q *Queue[T]) hasRoom() bool {
	m := q.maxsize.Load()
	return m == 0 || int64(q.Len()) < m
}

// MaxSize returns the maximum size, 0 for unbounded.
func (q *Queue[T]) MaxSize() int {
	if q == nil {
		return 0
	}
	return int(q.maxsize.Load())
}

// SetMaxSize sets the maximum size, n <= 0 for unbounded as in New: gevent's
// assignment to maxsize. When the new size leaves room, the greenlets
// waiting in Put get their items in, in the order they came, from one hub
// callback, as after a Get (gevent's setter schedules nothing: its putters
// wait for the next Get). Shrinking below Len keeps every item; Put then
// waits until Gets bring the queue under n. It refuses foreign goroutines
// as Put does and then changes nothing.
func (q *Queue[T]) SetMaxSize(n int) error {
	h, err := q.check("Queue.SetMaxSize")
	if err != nil {
		return err
	}
	q.maxsize.Store(int64(max(n, 0)))
	if len(q.putters) > 0 && q.hasRoom() {
		q.scheduleUnlock(h)
	}
	return nil
}

// Copy returns a new queue of the same kind (FIFO, LIFO, or priority with
// the same less) with the same items in the same order and the same
// maximum size: gevent's copy. The copy is not shut down, has no waiters
// (a waiting putter's item is not in it) and binds to the first hub that
// uses it, as a new queue does. A nil queue, or a call from a goroutine
// that is not a greenlet of the queue's hub, gets nil.
func (q *Queue[T]) Copy() *Queue[T] {
	c := &Queue[T]{}
	if !q.copyTo(c, "Queue.Copy") {
		return nil
	}
	return c
}

// copyTo fills the new queue c as Copy describes, or reports false when
// the caller may not read q.
func (q *Queue[T]) copyTo(c *Queue[T], op string) bool {
	if _, err := q.check(op); err != nil {
		return false
	}
	if q.items != nil {
		c.items = q.items.clone()
	}
	c.invalid = q.invalid
	c.maxsize.Store(q.maxsize.Load())
	return true
}

// Len returns how many items the queue holds (gevent's qsize).
func (q *Queue[T]) Len() int {
	if q == nil || q.items == nil {
		return 0 // a zero queue is read without creating its store
	}
	return q.items.len()
}

// Empty reports whether the queue holds no item.
func (q *Queue[T]) Empty() bool { return q.Len() == 0 }

// Full reports whether a Put would block (a nil queue has no room).
func (q *Queue[T]) Full() bool { return q == nil || !q.hasRoom() }

// Getters returns how many greenlets wait in Get or Peek.
func (q *Queue[T]) Getters() int {
	if q == nil {
		return 0
	}
	return len(q.getters)
}

// Putters returns how many greenlets wait in Put.
func (q *Queue[T]) Putters() int {
	if q == nil {
		return 0
	}
	return len(q.putters)
}

func (q *Queue[T]) putItem(v T) {
	q.store().put(v)
	if q.joinable != nil {
		q.joinable.unfinished++
		q.joinable.cond.Clear()
	}
}

// scheduleUnlock queues runUnlock on h, the queue's hub as check returned
// it (never nil when a waiter exists: waiting binds the queue).
func (q *Queue[T]) scheduleUnlock(h *scheduler.Hub) {
	if q.unlockPending && q.unlockHub == h {
		return
	}
	q.unlockPending, q.unlockHub = true, h
	_, _ = h.RunCallback(q.runUnlock) // the caller passed h's check: cannot be refused
}

// runUnlock is gevent's _unlock: move waiting putters' items in while there
// is room and wake getters while there are items, both in FIFO order.
func (q *Queue[T]) runUnlock() {
	q.unlockPending = false
	for {
		repeat := false
		if len(q.putters) > 0 && q.hasRoom() {
			repeat = true
			p := q.putters[0]
			q.putters = popFront(q.putters)
			if q.shut.Load() {
				// Shut down from another goroutine: its wakeAll is on its way (Post),
				// but a waiting Put fails however the two callbacks are ordered.
				p.w.Throw(&Error{Err: ErrShutdown})
			} else if err := q.putWaiting(p.item); err != nil {
				p.w.Throw(&Error{Err: err})
			} else {
				p.w.Switch(p)
			}
		}
		if len(q.getters) > 0 && q.Len() > 0 {
			repeat = true
			g := q.getters[0]
			q.getters = popFront(q.getters)
			g.Switch(g)
		}
		if !repeat {
			return
		}
	}
}

// putWaiting is putItem for a waiting putter's item, on the hub: a panic of
// less is returned, as ErrLessPanic with the panic, for the putter to wake
// with, instead of escaping into the hub and leaving the putter waiting.
// The heap is as it was (heap.put), so the item is not put.
func (q *Queue[T]) putWaiting(item T) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %w", ErrLessPanic, &scheduler.PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	q.putItem(item)
	return nil
}

func popFront[E any](s []*E) []*E {
	s[0] = nil
	if len(s) == 1 && cap(s) <= 64 {
		// Emptied: keep a small backing array for the next waiter (a
		// rendezvous empties its lists on every item); a big one, left
		// by a crowd of waiters, is let go.
		return s[:0]
	}
	s = s[1:]
	if len(s) == 0 {
		return s[:0:0]
	}
	return s
}

func removePtr[E any](s []*E, e *E) []*E {
	for i := range s {
		if s[i] == e {
			copy(s[i:], s[i+1:])
			s[len(s)-1] = nil
			return s[:len(s)-1]
		}
	}
	return s
}

// check binds q to the caller's hub and checks that the caller may make the
// non-blocking call op.
func (q *Queue[T]) check(op string) (*scheduler.Hub, error) {
	if q == nil {
		return nil, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := q.hub.Check()
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	return h, nil
}

// waitErr turns the error of op's wait bounded by ctx (nil for the Try
// forms) into the queue's: the queue's own error for a waiter (Shutdown's,
// a panicking less's), thrown as an *Error without an Op, is its cause under
// op; the end of ctx wraps scheduler.ContextError's error, not the error of
// the wait that saw it (a scheduler.Waiter's, an event's); anything else
// thrown into the greenlet (a Kill's error, even another queue's *Error, a
// Timeout, LoopExit) keeps its identity, wrapped once with op.
func waitErr(op string, ctx context.Context, err error) error {
	if e, ok := err.(*Error); ok && e.Op == "" {
		return &Error{Op: op, Err: e.Err}
	}
	if ctx != nil && ctxwait.Ended(ctx, err) {
		err = ctxwait.Err(scheduler.ContextError(ctx), err)
	}
	return &Error{Op: op, Err: err}
}

// Put adds item, waiting for room while the queue is full or until ctx is
// done. It returns ErrShutdown after Shutdown, scheduler.ContextError's
// error when ctx ended first, or the error thrown into the greenlet (Kill,
// a Timeout, LoopExit). From a goroutine that is not a greenlet of the
// queue's hub, or from the hub itself when it would have to wait, it returns
// an error matching scheduler.ErrNotGreenlet.
func (q *Queue[T]) Put(ctx context.Context, item T) error { return q.putAs(ctx, "Queue.Put", item) }

// putAs is Put for the call op, which its errors and its wait's label
// (LoopExit, runinfo) name.
func (q *Queue[T]) putAs(ctx context.Context, op string, item T) error {
	if ctx == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := q.put(op, item)
	if err != ErrFull {
		return err
	}
	if err := h.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	p := &putter[T]{item: item}
	p.w.SetLabel(op)
	q.putters = append(q.putters, p)
	if len(q.getters) > 0 {
		q.scheduleUnlock(h)
	}
	_, err = p.w.Get(ctx)
	q.putters = removePtr(q.putters, p)
	if err != nil {
		return waitErr(op, ctx, err)
	}
	return nil
}

// TryPut adds item if the queue has room, else returns ErrFull; it never
// waits.
func (q *Queue[T]) TryPut(item T) error {
	_, err := q.put("Queue.TryPut", item)
	if err == ErrFull {
		return &Error{Op: "Queue.TryPut", Err: ErrFull}
	}
	return err
}

// put is Put's part that does not wait: it stores item if there is room and
// returns the bare ErrFull if not.
func (q *Queue[T]) put(op string, item T) (*scheduler.Hub, error) {
	h, err := q.check(op)
	if err != nil {
		return nil, err
	}
	if q.invalid != nil {
		return nil, &Error{Op: op, Err: q.invalid}
	}
	if q.shut.Load() {
		return nil, &Error{Op: op, Err: ErrShutdown}
	}
	if q.hasRoom() {
		q.putItem(item)
		if len(q.getters) > 0 {
			q.scheduleUnlock(h)
		}
		return h, nil
	}
	return h, ErrFull
}

// Get removes and returns the next item, waiting for one until ctx is done;
// ErrShutdown once a shut-down queue is drained. It refuses foreign
// goroutines as Put does.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	if ctx == nil {
		var zero T
		return zero, &Error{Op: "Queue.Get", Err: scheduler.ErrNilArgument}
	}
	return q.get(ctx, "Queue.Get", true)
}

// TryGet removes and returns the next item if there is one, else ErrEmpty
// (ErrShutdown once a shut-down queue is drained); it never waits.
func (q *Queue[T]) TryGet() (T, error) { return q.get(noWait, "Queue.TryGet", true) }

// Peek returns the next item without removing it, waiting as Get does.
func (q *Queue[T]) Peek(ctx context.Context) (T, error) {
	if ctx == nil {
		var zero T
		return zero, &Error{Op: "Queue.Peek", Err: scheduler.ErrNilArgument}
	}
	return q.get(ctx, "Queue.Peek", false)
}

// TryPeek returns the next item without removing it, or ErrEmpty.
func (q *Queue[T]) TryPeek() (T, error) { return q.get(noWait, "Queue.TryPeek", false) }

// getAs is Get (take) or Peek for the call op, which its errors and its
// wait's label (LoopExit, runinfo) name.
func (q *Queue[T]) getAs(ctx context.Context, op string, take bool) (T, error) {
	if ctx == nil {
		var zero T
		return zero, &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	return q.get(ctx, op, take)
}

// get is Get, TryGet, Peek and TryPeek: ctx nil means do not wait.
func (q *Queue[T]) get(ctx context.Context, op string, take bool) (T, error) {
	var zero T
	h, err := q.check(op)
	if err != nil {
		return zero, err
	}
	if q.Len() > 0 {
		if !take {
			return q.items.peek(), nil
		}
		v := q.items.get()
		if len(q.putters) > 0 {
			q.scheduleUnlock(h)
		}
		return v, nil
	}
	if q.shut.Load() {
		return zero, &Error{Op: op, Err: ErrShutdown}
	}
	if ctx == nil {
		return zero, &Error{Op: op, Err: ErrEmpty} // a Try form
	}
	return q.wait(ctx, h, op, take)
}

// wait blocks the caller until an item comes for it, the queue is shut down
// or ctx is done.
func (q *Queue[T]) wait(ctx context.Context, h *scheduler.Hub, op string, take bool) (T, error) {
	var zero T
	if err := h.CheckWait(); err != nil {
		return zero, &Error{Op: op, Err: err}
	}
	// The caller is a greenlet of h, so the waiter binds to h.
	w := scheduler.NewWaiter(op)
	q.getters = append(q.getters, w)
	if len(q.putters) > 0 {
		q.scheduleUnlock(h)
	}
	_, err := w.Get(ctx)
	q.getters = removePtr(q.getters, w)
	if err != nil {
		return zero, waitErr(op, ctx, err)
	}
	if q.Len() == 0 {
		// Only a Shutdown wakes a getter without an item (wakeAll): the
		// items left went to the getters woken before this one.
		return zero, &Error{Op: op, Err: ErrShutdown}
	}
	if take {
		return q.items.get(), nil
	}
	return q.items.peek(), nil
}

// Shutdown shuts the queue down: every greenlet waiting in Put wakes with
// ErrShutdown (its item is not put), every greenlet waiting in Get or Peek
// wakes with an item still in the queue (in FIFO order) or else
// ErrShutdown, later Puts fail with it, and Gets return the items left and
// then ErrShutdown. Shutting down twice is a no-op. Goroutine-safe:
// from a goroutine that is not a greenlet of the queue's hub the flag is set
// at once and the waiters are woken from a hub callback (Hub.Post).
func (q *Queue[T]) Shutdown() {
	if q == nil {
		return
	}
	// The flag first, then a look at the binding: a greenlet binds before
	// it reads the flag, so either it sees the flag or this sees its hub.
	q.shut.Store(true)
	h := q.hub.Hub()
	if h == nil {
		return
	}
	if h.Check() != nil {
		_ = h.Post(q.wakeAll)
		return
	}
	q.wakeAll()
}

// wakeAll wakes every waiter; on the queue's hub. Putters get ErrShutdown
// (their items are not put). Getters are woken, not thrown into: a getter
// may wait while items are in the queue (a Put stored one and the callback
// that wakes the getter has not run yet), and each woken getter takes an
// item left, in FIFO order, so that only those that find the queue empty
// get ErrShutdown (wait's check). Throwing into them all dropped the items
// of a Put made just before Shutdown: the consumer's All ended cleanly
// while they were still in the queue.
func (q *Queue[T]) wakeAll() {
	ps, gs := q.putters, q.getters
	q.putters, q.getters = nil, nil
	for _, p := range ps {
		p.w.Throw(&Error{Err: ErrShutdown})
	}
	for _, g := range gs {
		g.Switch(nil)
	}
}

// IsShutdown reports whether Shutdown was called. Goroutine-safe.
func (q *Queue[T]) IsShutdown() bool { return q != nil && q.shut.Load() }

// All yields the queue's items as Get(ctx) returns them, one (item, nil)
// per item, and is gevent's "for item in queue".
//
// The iteration ends cleanly, with nothing more yielded, only when Get
// returns ErrShutdown because this queue was shut down and every item left
// was taken: that is the end marker (gevent's StopIteration). Any other
// failure of a Get is yielded once as (zero value, err) and then the
// iteration stops: ctx's end, the error thrown into the greenlet (Kill's
// scheduler.ErrGreenletExit, a scheduler.Timeout), a
// *scheduler.LoopExitError when nothing can ever put an item, or an error
// matching scheduler.ErrNotGreenlet from a foreign goroutine. The errors
// are Get's own, wrapped in *Error. Range over both values and handle err,
// as gevent lets GreenletExit and Timeout propagate out of the loop:
//
//	for v, err := range q.All(ctx) {
//		if err != nil {
//			return err
//		}
//		use(v)
//	}
//
// Breaking out of the loop leaves no waiter behind: no Get is in progress
// while the loop body runs. Range over it in the greenlet itself:
// iter.Pull runs the sequence on a goroutine of its own, where every Get
// fails with ErrNotGreenlet.
func (q *Queue[T]) All(ctx context.Context) iter.Seq2[T, error] { return q.all(ctx, "Queue.Get") }

// all is All, its Gets made as the call op.
func (q *Queue[T]) all(ctx context.Context, op string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := q.getAs(ctx, op, true)
			if err != nil {
				if !errors.Is(err, ErrShutdown) || !q.shut.Load() {
					var zero T
					yield(zero, err)
				}
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// joinState is JoinableQueue's count of unfinished tasks.
type joinState struct {
	unfinished int
	cond       event.Event
}

// JoinableQueue is a Queue that counts unfinished tasks: every Put adds
// one, TaskDone removes one and Join waits until none is left. The zero
// value is an unbounded FIFO JoinableQueue; NewJoinable sets a maximum
// size. Hub-affine. Its methods' errors name the JoinableQueue call
// ("queue: JoinableQueue.TryPut: queue full"), All's those of
// JoinableQueue.Get, and so does a greenlet waiting in one of them in
// LoopExit's report and runinfo; the embedded Queue's, called as such, name
// Queue's.
type JoinableQueue[T any] struct {
	// Queue supplies Get and the rest; the Put methods below make sure the
	// task count exists before the item counts in it.
	Queue[T]
}

// NewJoinable returns a FIFO JoinableQueue of at most maxsize items.
func NewJoinable[T any](maxsize int) *JoinableQueue[T] {
	q := &JoinableQueue[T]{Queue: Queue[T]{items: &ring[T]{}}}
	q.setLimit(maxsize)
	q.state()
	return q
}

func (q *JoinableQueue[T]) state() *joinState {
	if q.joinable == nil {
		q.joinable = &joinState{}
		q.joinable.cond.Set()
	}
	return q.joinable
}

// Put is Queue.Put counting one more unfinished task.
func (q *JoinableQueue[T]) Put(ctx context.Context, item T) error {
	if q == nil {
		return &Error{Op: "JoinableQueue.Put", Err: scheduler.ErrNilArgument}
	}
	// The count is created only once the caller may touch the queue: from
	// a foreign goroutine, creating it raced with the hub's first Put, which
	// could lose the count of the items that Put made.
	if _, err := q.check("JoinableQueue.Put"); err != nil {
		return err
	}
	q.state()
	return q.Queue.putAs(ctx, "JoinableQueue.Put", item)
}

// TryPut is Queue.TryPut counting one more unfinished task.
func (q *JoinableQueue[T]) TryPut(item T) error {
	if q == nil {
		return &Error{Op: "JoinableQueue.TryPut", Err: scheduler.ErrNilArgument}
	}
	if _, err := q.check("JoinableQueue.TryPut"); err != nil {
		return err
	}
	q.state()
	if err := q.Queue.TryPut(item); err != nil {
		return renamed(err, "Queue.TryPut", "JoinableQueue.TryPut")
	}
	return nil
}

// renamed returns err, an error of the embedded Queue's call from (one that
// does not wait), as the JoinableQueue call op's: the same cause under op.
// Other errors are returned as they are. Only a failed call pays for it, and
// the *Error err points at is left as it is.
func renamed(err error, from, op string) error {
	if e, ok := err.(*Error); ok && e.Op == from {
		return &Error{Op: op, Err: e.Err}
	}
	return err
}

// Copy is Queue.Copy for a JoinableQueue: the copy's count of unfinished
// tasks starts at this queue's, and is its own from then on. When this
// queue has none, the copy counts its items as unfinished, as gevent's copy
// does (it passes unfinished_tasks to the constructor, which takes
// len(items) for a count of 0). A nil queue, or a call from a goroutine that
// is not a greenlet of the queue's hub, gets nil.
func (q *JoinableQueue[T]) Copy() *JoinableQueue[T] {
	if q == nil {
		return nil
	}
	c := &JoinableQueue[T]{}
	if !q.copyTo(&c.Queue, "JoinableQueue.Copy") {
		return nil
	}
	s := c.state()
	n := q.Unfinished()
	if n == 0 {
		n = c.Len()
	}
	if n > 0 {
		s.unfinished = n
		s.cond.Clear()
	}
	return c
}

// Unfinished returns how many items were put and not yet marked done.
func (q *JoinableQueue[T]) Unfinished() int {
	if q == nil || q.joinable == nil {
		return 0 // read without creating the count
	}
	return q.joinable.unfinished
}

// TaskDone marks one item as processed; ErrTaskDone if none is unfinished.
// It refuses foreign goroutines as Put does.
func (q *JoinableQueue[T]) TaskDone() error {
	if q == nil {
		return &Error{Op: "JoinableQueue.TaskDone", Err: scheduler.ErrNilArgument}
	}
	if _, err := q.check("JoinableQueue.TaskDone"); err != nil {
		return err
	}
	s := q.state()
	if s.unfinished <= 0 {
		return &Error{Op: "JoinableQueue.TaskDone", Err: ErrTaskDone}
	}
	s.unfinished--
	if s.unfinished == 0 {
		s.cond.Set()
	}
	return nil
}

// Join waits until every item put was marked done, or ctx is done. It
// refuses foreign goroutines as Put does (even when nothing is unfinished),
// and the hub greenlet.
func (q *JoinableQueue[T]) Join(ctx context.Context) error {
	const op = "JoinableQueue.Join"
	if q == nil || ctx == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	h, err := q.check(op)
	if err != nil {
		return err
	}
	// Refused here as the event's Wait would refuse it, so that the error
	// names Join alone.
	if err := h.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	// Shows op, not Event.Wait.
	if err := labelwait.EventWait(&q.state().cond, ctx, op); err != nil {
		return waitErr(op, ctx, err)
	}
	return nil
}

// queue returns the embedded Queue, nil for a nil q. The Queue methods
// below are spelled out so that a nil *JoinableQueue gets the nil *Queue's
// answers (scheduler.ErrNilArgument, zero) instead of a nil dereference.
func (q *JoinableQueue[T]) queue() *Queue[T] {
	if q == nil {
		return nil
	}
	return &q.Queue
}

// Get is Queue.Get.
func (q *JoinableQueue[T]) Get(ctx context.Context) (T, error) {
	return q.queue().getAs(ctx, "JoinableQueue.Get", true)
}

// TryGet is Queue.TryGet.
func (q *JoinableQueue[T]) TryGet() (T, error) {
	v, err := q.queue().TryGet()
	if err != nil {
		return v, renamed(err, "Queue.TryGet", "JoinableQueue.TryGet")
	}
	return v, nil
}

// Peek is Queue.Peek.
func (q *JoinableQueue[T]) Peek(ctx context.Context) (T, error) {
	return q.queue().getAs(ctx, "JoinableQueue.Peek", false)
}

// TryPeek is Queue.TryPeek.
func (q *JoinableQueue[T]) TryPeek() (T, error) {
	v, err := q.queue().TryPeek()
	if err != nil {
		return v, renamed(err, "Queue.TryPeek", "JoinableQueue.TryPeek")
	}
	return v, nil
}

// Len is Queue.Len.
func (q *JoinableQueue[T]) Len() int { return q.queue().Len() }

// Empty is Queue.Empty.
func (q *JoinableQueue[T]) Empty() bool { return q.queue().Empty() }

// Full is Queue.Full.
func (q *JoinableQueue[T]) Full() bool { return q.queue().Full() }

// Getters is Queue.Getters.
func (q *JoinableQueue[T]) Getters() int { return q.queue().Getters() }

// Putters is Queue.Putters.
func (q *JoinableQueue[T]) Putters() int { return q.queue().Putters() }

// MaxSize is Queue.MaxSize.
func (q *JoinableQueue[T]) MaxSize() int { return q.queue().MaxSize() }

// SetMaxSize is Queue.SetMaxSize.
func (q *JoinableQueue[T]) SetMaxSize(n int) error {
	if err := q.queue().SetMaxSize(n); err != nil {
		return renamed(err, "Queue.SetMaxSize", "JoinableQueue.SetMaxSize")
	}
	return nil
}

// Shutdown is Queue.Shutdown.
func (q *JoinableQueue[T]) Shutdown() { q.queue().Shutdown() }

// IsShutdown is Queue.IsShutdown.
func (q *JoinableQueue[T]) IsShutdown() bool { return q.queue().IsShutdown() }

// All is Queue.All, its errors (and its waits) those of JoinableQueue.Get.
func (q *JoinableQueue[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return q.queue().all(ctx, "JoinableQueue.Get")
}
