// Package queue provides gevent's queues for greenlets: Queue, LifoQueue,
// PriorityQueue, JoinableQueue, SimpleQueue and Channel, typed with
// generics, plus Shutdown, which wakes every waiter with ErrShutdown.
//
// All types are hub-affine: use them from greenlets (or the main greenlet)
// of one hub. A queue binds to the hub of the first greenlet that uses it
// (gevent binds at creation; a Go value may be created anywhere). From any
// other goroutine every call that returns an error fails with an error
// matching scheduler.ErrNotGreenlet before touching the queue, and never
// creates a hub for it: gevent 22.10.2 documents its queues as safe across
// greenlets only, not threads, so the non-blocking calls (Put with room,
// Get of a present item, TaskDone) are refused too rather than racing on
// the queue's state. The one exception is a goroutine with no hub using an
// unbound queue (filling a queue before the hub starts): without waiting
// the queue stays unbound; a wait with a timeout creates the goroutine's
// hub, as any first scheduler call does, and binds the queue to it; a wait
// without a time limit is refused, as only LoopExit could end it. Shutdown is the one goroutine-safe call; the
// accessors (Len, Empty, Full, Getters, Putters, Unfinished, IsShutdown,
// Balance) are hub-affine reads.
//
// They follow gevent's hand-off rules: a Put into a queue with
// room stores the item and schedules one hub callback that wakes the first
// waiting getter, which then takes the first item; a greenlet that calls Get
// before that callback runs takes the item first (the woken getter only
// wakes if an item is still there). A Put on a full queue waits in FIFO
// order; its item enters the queue from the hub callback that wakes it.
package queue

import (
	"cmp"
	"errors"
	"iter"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// Sentinel errors, matchable with errors.Is.
var (
	// ErrEmpty: a non-blocking Get found no item, or a Get timed out.
	ErrEmpty = errors.New("queue empty")
	// ErrFull: a non-blocking Put found no room, or a Put timed out.
	ErrFull = errors.New("queue full")
	// ErrShutdown: the queue was shut down; Get returns it once the queue
	// is drained, Put at once, and every waiter gets it at Shutdown.
	ErrShutdown = errors.New("queue shut down")
	// ErrTaskDone: TaskDone was called more times than items were put.
	ErrTaskDone = errors.New("task_done() called too many times")
)

// Error adds the operation to a sentinel or to the error thrown into the
// waiting greenlet.
type Error struct {
	Op  string // e.g. "Queue.Get"
	Err error  // a sentinel (ErrEmpty, ErrFull, ...) or the error thrown into the wait
}

// Error returns "queue: Op: cause", so the text names the package and the
// call that failed.
func (e *Error) Error() string { return "queue: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// store is the item container: FIFO ring, LIFO stack or heap.
type store[T any] interface {
	put(T)
	get() T
	peek() T
	len() int
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

type stack[T any] struct{ s []T }

func (s *stack[T]) len() int { return len(s.s) }
func (s *stack[T]) put(v T)  { s.s = append(s.s, v) }
func (s *stack[T]) peek() T  { return s.s[len(s.s)-1] }
func (s *stack[T]) get() T {
	var zero T
	v := s.s[len(s.s)-1]
	s.s[len(s.s)-1] = zero
	s.s = s.s[:len(s.s)-1]
	return v
}

// heap is a binary min-heap ordered by less; equal items leave in no
// particular order, as with Python's heapq.
type heap[T any] struct {
	s    []T
	less func(a, b T) bool
}

func (h *heap[T]) len() int { return len(h.s) }
func (h *heap[T]) peek() T  { return h.s[0] }
func (h *heap[T]) put(v T) {
	h.s = append(h.s, v)
	i := len(h.s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.s[i], h.s[p]) {
			break
		}
		h.s[i], h.s[p] = h.s[p], h.s[i]
		i = p
	}
}
func (h *heap[T]) get() T {
	var zero T
	v := h.s[0]
	n := len(h.s) - 1
	h.s[0] = h.s[n]
	h.s[n] = zero
	h.s = h.s[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(h.s[l], h.s[m]) {
			m = l
		}
		if r < n && h.less(h.s[r], h.s[m]) {
			m = r
		}
		if m == i {
			return v
		}
		h.s[i], h.s[m] = h.s[m], h.s[i]
		i = m
	}
}

type putter[T any] struct {
	w    scheduler.Waiter
	item T
}

// Queue is gevent's Queue: a FIFO of items with an optional maximum size.
// The zero value is an unbounded FIFO queue. Hub-affine.
type Queue[T any] struct {
	maxsize int
	items   store[T]
	getters []*scheduler.Waiter
	putters []*putter[T]
	// unlockPending: a runUnlock is queued and has not started (gevent's
	// _event_unlock is falsy again once its callback runs).
	unlockPending bool
	shut          bool
	joinable      *joinState
	hub           hubRef
}

// NewQueue returns a FIFO queue holding at most maxsize items (maxsize <= 0:
// unbounded, as gevent's Queue(None)).
func NewQueue[T any](maxsize int) *Queue[T] {
	return &Queue[T]{maxsize: maxsize, items: &ring[T]{}}
}

// NewSimpleQueue returns an unbounded FIFO queue (gevent's SimpleQueue).
func NewSimpleQueue[T any]() *Queue[T] { return NewQueue[T](0) }

// NewLifoQueue returns a queue that gives the most recently put item first.
func NewLifoQueue[T any](maxsize int) *Queue[T] {
	return &Queue[T]{maxsize: maxsize, items: &stack[T]{}}
}

// NewPriorityQueue returns a queue that gives the smallest item first.
func NewPriorityQueue[T cmp.Ordered](maxsize int) *Queue[T] {
	return NewPriorityQueueFunc(maxsize, cmp.Less[T])
}

// NewPriorityQueueFunc returns a queue that gives the smallest item first
// according to less.
func NewPriorityQueueFunc[T any](maxsize int, less func(a, b T) bool) *Queue[T] {
	return &Queue[T]{maxsize: maxsize, items: &heap[T]{less: less}}
}

func (q *Queue[T]) store() store[T] {
	if q.items == nil {
		q.items = &ring[T]{}
	}
	return q.items
}

// MaxSize returns the maximum size, 0 for unbounded.
func (q *Queue[T]) MaxSize() int { return max(q.maxsize, 0) }

// Len returns how many items the queue holds (gevent's qsize).
func (q *Queue[T]) Len() int { return q.store().len() }

// Empty reports whether the queue holds no item.
func (q *Queue[T]) Empty() bool { return q.Len() == 0 }

// Full reports whether a Put would block.
func (q *Queue[T]) Full() bool { return q.maxsize > 0 && q.Len() >= q.maxsize }

// Getters returns how many greenlets wait in Get or Peek.
func (q *Queue[T]) Getters() int { return len(q.getters) }

// Putters returns how many greenlets wait in Put.
func (q *Queue[T]) Putters() int { return len(q.putters) }

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
	if q.unlockPending {
		return
	}
	q.unlockPending = true
	h.RunCallback(q.runUnlock)
}

// runUnlock is gevent's _unlock: move waiting putters' items in while there
// is room and wake getters while there are items, both in FIFO order.
func (q *Queue[T]) runUnlock() {
	q.unlockPending = false
	for {
		repeat := false
		if len(q.putters) > 0 && (q.maxsize <= 0 || q.Len() < q.maxsize) {
			repeat = true
			p := q.putters[0]
			q.putters = popFront(q.putters)
			q.putItem(p.item)
			p.w.Switch(p)
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

// startTimeout arms a timeout for a wait; nil for Forever.
func startTimeout(d time.Duration) (*scheduler.Timeout, error) {
	if d < 0 {
		return nil, nil
	}
	t := scheduler.NewTimeout(d, nil)
	return t, t.Start()
}

// waitErr turns the error of a wait into the queue's: its own timeout
// becomes sentinel, the rest keep their identity.
func waitErr(op string, err error, t *scheduler.Timeout, sentinel error) error {
	if t != nil && errors.Is(err, t) {
		return &Error{Op: op, Err: sentinel}
	}
	if _, ok := err.(*Error); ok {
		// Shutdown throws the queue's own error: do not say it twice.
		return err
	}
	return &Error{Op: op, Err: err}
}

// Put adds item. If the queue is full it waits for room unless block is
// false, for at most timeout (scheduler.Forever: no limit); ErrFull when no
// room came, ErrShutdown after Shutdown, or the error thrown into the
// greenlet (Kill, an outer Timeout, LoopExit). From a goroutine that is not
// a greenlet of the queue's hub, or from the hub itself when it would have to
// wait, it returns an error matching scheduler.ErrNotGreenlet.
func (q *Queue[T]) Put(item T, block bool, timeout time.Duration) error {
	// check's common case written out: a call was a measurable part of an
	// item's cost. A greenlet of a hub is never on a destroyed one.
	h := q.hub.p.Load()
	if h == nil || h != scheduler.CurrentHub() {
		var err error
		if h, err = q.hub.check("Queue.Put", noWait); err != nil {
			return err
		}
	}
	if q.shut {
		return &Error{Op: "Queue.Put", Err: ErrShutdown}
	}
	if q.maxsize <= 0 || q.Len() < q.maxsize {
		q.putItem(item)
		if len(q.getters) > 0 {
			q.scheduleUnlock(h)
		}
		return nil
	}
	if !block {
		return &Error{Op: "Queue.Put", Err: ErrFull}
	}
	h, err := q.hub.check("Queue.Put", waitFor(timeout))
	if err != nil {
		return err
	}
	p := &putter[T]{item: item}
	p.w.SetLabel("Queue.Put")
	t, err := startTimeout(timeout)
	if err != nil {
		return &Error{Op: "Queue.Put", Err: err}
	}
	q.putters = append(q.putters, p)
	if len(q.getters) > 0 {
		q.scheduleUnlock(h)
	}
	_, err = p.w.Get()
	if t != nil {
		t.Cancel()
	}
	q.putters = removePtr(q.putters, p)
	if err != nil {
		return waitErr("Queue.Put", err, t, ErrFull)
	}
	return nil
}

// Get removes and returns the next item, waiting for one unless block is
// false, for at most timeout; ErrEmpty when none came, ErrShutdown once a
// shut-down queue is drained. It refuses foreign goroutines as Put does.
func (q *Queue[T]) Get(block bool, timeout time.Duration) (T, error) {
	h := q.hub.p.Load()
	if h == nil || h != scheduler.CurrentHub() {
		var err error
		if h, err = q.hub.check("Queue.Get", noWait); err != nil {
			var zero T
			return zero, err
		}
	}
	if q.Len() > 0 {
		if len(q.putters) > 0 {
			q.scheduleUnlock(h)
		}
		return q.items.get(), nil
	}
	return q.wait("Queue.Get", block, timeout, true)
}

// Peek returns the next item without removing it, waiting as Get does.
func (q *Queue[T]) Peek(block bool, timeout time.Duration) (T, error) {
	if _, err := q.hub.check("Queue.Peek", noWait); err != nil {
		var zero T
		return zero, err
	}
	if q.Len() > 0 {
		return q.items.peek(), nil
	}
	return q.wait("Queue.Peek", block, timeout, false)
}

func (q *Queue[T]) wait(op string, block bool, timeout time.Duration, take bool) (T, error) {
	var zero T
	if q.shut {
		return zero, &Error{Op: op, Err: ErrShutdown}
	}
	if !block {
		return zero, &Error{Op: op, Err: ErrEmpty}
	}
	h, err := q.hub.check(op, waitFor(timeout))
	if err != nil {
		return zero, err
	}
	// The caller is a greenlet of h, so the waiter binds to h.
	w := scheduler.NewWaiterLabel(op)
	t, err := startTimeout(timeout)
	if err != nil {
		return zero, &Error{Op: op, Err: err}
	}
	q.getters = append(q.getters, w)
	if len(q.putters) > 0 {
		q.scheduleUnlock(h)
	}
	_, err = w.Get()
	if t != nil {
		t.Cancel()
	}
	q.getters = removePtr(q.getters, w)
	if err != nil {
		return zero, waitErr(op, err, t, ErrEmpty)
	}
	if q.Len() == 0 {
		// Only a Shutdown wakes a getter without an item.
		return zero, &Error{Op: op, Err: ErrShutdown}
	}
	if take {
		return q.items.get(), nil
	}
	return q.items.peek(), nil
}

// Shutdown shuts the queue down: every greenlet waiting in Put or Get wakes
// with ErrShutdown, later Puts fail with it, and Gets return the items left
// and then ErrShutdown. Shutting down twice is a no-op. Goroutine-safe:
// called from a goroutine that is not a greenlet of the queue's hub, it is
// queued to that hub with Hub.Post and happens there shortly after.
func (q *Queue[T]) Shutdown() {
	if h := q.hub.load(); h != nil && !h.OnHub() {
		_ = h.Post(q.Shutdown)
		return
	}
	if q.shut {
		return
	}
	q.shut = true
	ps, gs := q.putters, q.getters
	q.putters, q.getters = nil, nil
	for _, p := range ps {
		p.w.Throw(&Error{Op: "Queue.Put", Err: ErrShutdown})
	}
	for _, g := range gs {
		g.Throw(&Error{Op: "Queue.Get", Err: ErrShutdown})
	}
}

// IsShutdown reports whether Shutdown was called.
func (q *Queue[T]) IsShutdown() bool { return q.shut }

// All yields the queue's items as a blocking Get (no time limit) returns
// them, one (item, nil) per item, and is gevent's "for item in queue".
//
// The iteration ends cleanly, with nothing more yielded, only when Get
// returns ErrShutdown because this queue was shut down and every item left
// was taken: that is the end marker (gevent's StopIteration). Any other
// failure of a Get is yielded once as (zero value, err) and then the
// iteration stops: the error thrown into the greenlet (Kill's
// scheduler.ErrGreenletExit, an outer scheduler.Timeout), a
// *scheduler.LoopExitError when nothing can ever put an item, or an error
// matching scheduler.ErrNotGreenlet from a foreign goroutine. The errors
// are Get's own, wrapped in *Error. Range over both values and handle err,
// as gevent lets GreenletExit and Timeout propagate out of the loop:
//
//	for v, err := range q.All() {
//		if err != nil {
//			return err
//		}
//		use(v)
//	}
//
// Breaking out of the loop leaves no waiter behind: no Get is in progress
// while the loop body runs.
func (q *Queue[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := q.Get(true, scheduler.Forever)
			if err != nil {
				// Read shut only after ErrShutdown: a foreign goroutine
				// never gets that far, and must not touch the queue.
				if !errors.Is(err, ErrShutdown) || !q.shut {
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
// one, TaskDone removes one and Join waits until none is left. Create it
// with NewJoinableQueue. Hub-affine.
type JoinableQueue[T any] struct {
	// Queue supplies Put, Get and the rest; NewJoinableQueue gives it the
	// task count that its Put increments.
	Queue[T]
}

// NewJoinableQueue returns a FIFO JoinableQueue of at most maxsize items.
func NewJoinableQueue[T any](maxsize int) *JoinableQueue[T] {
	q := &JoinableQueue[T]{Queue: Queue[T]{maxsize: maxsize, items: &ring[T]{}, joinable: &joinState{}}}
	q.joinable.cond.Set()
	return q
}

func (q *JoinableQueue[T]) state() *joinState {
	if q.joinable == nil {
		q.joinable = &joinState{}
		q.joinable.cond.Set()
	}
	return q.joinable
}

// Unfinished returns how many items were put and not yet marked done.
func (q *JoinableQueue[T]) Unfinished() int { return q.state().unfinished }

// TaskDone marks one item as processed; ErrTaskDone if none is unfinished.
// It refuses foreign goroutines as Put does.
func (q *JoinableQueue[T]) TaskDone() error {
	if _, err := q.hub.check("JoinableQueue.TaskDone", noWait); err != nil {
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

// Join waits until every item put was marked done, or timeout expires; it
// reports whether all were done. It refuses foreign goroutines as Put does
// (even when nothing is unfinished, if the queue is bound to another hub).
func (q *JoinableQueue[T]) Join(timeout time.Duration) (bool, error) {
	s := q.state()
	w := noWait
	if s.unfinished > 0 {
		w = waitFor(timeout)
	}
	h, err := q.hub.check("JoinableQueue.Join", w)
	if err != nil {
		return false, err
	}
	if h == nil {
		// Unbound and hubless: nothing is unfinished, or check refused.
		return true, nil
	}
	return s.cond.Wait(timeout)
}
