package scheduler

// The run_callback queue is a FIFO of fixed-size blocks recycled through a
// free list: a growing slice spends its time in growslice and the GC
// (docs/performance.md, The run_callback queue).

const cbBlockSize = 256

// cbEntry is one queued callback. At most one of fn and afn is set; afn with
// arg lets the hub queue internal work without allocating a closure. With
// neither, arg is a *gctx to switch into (a Sleep(0) wake-up), which drain
// does without a call in between. An entry with all three nil is stopped.
type cbEntry struct {
	fn  func()
	afn func(any)
	arg any
}

type cbBlock struct {
	items [cbBlockSize]cbEntry
	next  *cbBlock
	// gen changes every time the block is recycled, so a stale Callback
	// handle pointing into a reused block cannot stop somebody else's entry.
	gen uint32
	// hub is the hub whose queue made the block, for Callback's affinity
	// check; set when the block is made, never changed.
	hub *Hub
}

// cbFIFO is the hub's run_callback queue. Hub-affine, not goroutine-safe.
type cbFIFO struct {
	head, tail *cbBlock
	r, w       int // read index in head, write index in tail
	n          int // queued entries, stopped ones included
	free       *cbBlock
	nfree      int
	owner      *Hub // the hub of the queue, given to every block it makes
}

// push appends an entry and returns its handle position.
func (q *cbFIFO) push(e cbEntry) (*cbBlock, int) {
	if q.tail == nil || q.w == cbBlockSize {
		b := q.free
		if b != nil {
			q.free = b.next
			q.nfree--
			b.next = nil
		} else {
			b = &cbBlock{hub: q.owner}
		}
		if q.tail == nil {
			q.head, q.r = b, 0
		} else {
			q.tail.next = b
		}
		q.tail, q.w = b, 0
	}
	i := q.w
	q.tail.items[i] = e
	q.w++
	q.n++
	return q.tail, i
}

// pushCtx queues a switch into c (Sleep(0)'s wake-up) and returns its
// handle.
func (q *cbFIFO) pushCtx(c *gctx) Callback {
	b, i := q.push(cbEntry{arg: c})
	return Callback{b: b, i: int32(i), gen: b.gen}
}

// pop removes the first entry; ok is false when the queue is empty. The slot
// is cleared before returning so the GC can collect the callback at once and
// a later Stop through a handle finds nothing.
func (q *cbFIFO) pop() (e cbEntry, ok bool) {
	if q.n == 0 {
		return e, false
	}
	b := q.head
	e = b.items[q.r]
	b.items[q.r] = cbEntry{}
	q.r++
	q.n--
	if q.r == cbBlockSize || q.n == 0 {
		q.retireHead()
	}
	return e, true
}

// retireHead drops the head block when it is fully consumed, recycling it.
func (q *cbFIFO) retireHead() {
	b := q.head
	if q.n == 0 {
		// Empty: keep the block as both head and tail when it still has room,
		// which makes the common push/pop ping-pong allocation-free.
		if q.w < cbBlockSize && b == q.tail {
			if q.r == q.w {
				b.gen++
				q.r, q.w = 0, 0
			}
			return
		}
	}
	q.head = b.next
	q.r = 0
	if q.head == nil {
		q.tail, q.w = nil, 0
	}
	b.next = nil
	b.gen++
	if q.nfree < 64 {
		b.next = q.free
		q.free = b
		q.nfree++
	}
}

func (q *cbFIFO) len() int { return q.n }

// each calls fn with every queued entry, in order, stopped ones included
// (the live view looks for Sleep(0) wake-ups in the queue).
func (q *cbFIFO) each(fn func(e *cbEntry)) {
	for b := q.head; b != nil; b = b.next {
		start, end := 0, cbBlockSize
		if b == q.head {
			start = q.r
		}
		if b == q.tail {
			end = q.w
		}
		for i := start; i < end; i++ {
			fn(&b.items[i])
		}
	}
}
