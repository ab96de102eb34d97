package geventsuite

import (
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_queue_getter_order", primQueueGetterOrder)
	register("prim_queue_newcomer", primQueueNewcomer)
	register("prim_queue_put_order", primQueuePutOrder)
	register("prim_queue_timeouts", primQueueTimeouts)
	register("prim_queue_peek", primQueuePeek)
	register("prim_lifo_priority", primLifoPriority)
	register("prim_joinable", primJoinable)
	register("prim_joinable_timeout", primJoinableTimeout)
	register("prim_joinable_copy", primJoinableCopy)
	register("prim_channel", primChannel)
	register("prim_channel_timeout", primChannelTimeout)
	register("prim_queue_maxsize", primQueueMaxsize)
	register("prim_channel_waiters", primChannelWaiters)
}

func primQueueGetterOrder(t *crosscheck.T) {
	q := queue.New[int](0)
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			v, err := q.Get(bg)
			t.Println("got", n, v)
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	for i := range 3 {
		unexpected(t, "put", q.Put(bg, i))
	}
	t.Println("put done")
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
}

func primQueueNewcomer(t *crosscheck.T) {
	q := queue.New[int](0)
	g := scheduler.Go(func() error {
		v, err := q.Get(bg)
		t.Println("waiter got", v)
		return err
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "put", q.Put(bg, 1))
	v, err := q.Get(bg)
	unexpected(t, "get", err)
	t.Println("newcomer got", v)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("waiter ready", py(g.Ready()))
	unexpected(t, "put", q.Put(bg, 2))
	unexpected(t, "join", g.Join(bg))
}

// fullWithPutters returns a Queue(maxsize=1) holding "x" and the greenlets of
// three putters of "a", "b" and "c" waiting on it in that order (each
// prints when its put is done).
func fullWithPutters(t *crosscheck.T) (*queue.Queue[string], []*scheduler.Greenlet[none]) {
	q := queue.New[string](1)
	unexpected(t, "put", q.Put(bg, "x"))
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			err := q.Put(bg, n)
			t.Println("put done", n)
			return none{}, err
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	return q, gs
}

func primQueuePutOrder(t *crosscheck.T) {
	q, gs := fullWithPutters(t)
	t.Println("full", py(q.Full()), "qsize", q.Len())
	for range 4 {
		v, err := q.Get(bg)
		unexpected(t, "get", err)
		t.Println("get", v)
	}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
}

func primQueueTimeouts(t *crosscheck.T) {
	q := queue.New[int](1)
	if _, err := q.Get(within(10 * ms)); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("get timeout Empty")
	}
	if _, err := q.TryGet(); errors.Is(err, queue.ErrEmpty) {
		t.Println("get nowait Empty")
	}
	unexpected(t, "put", q.Put(bg, 1))
	if err := q.Put(within(10*ms), 2); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("put timeout Full")
	}
	if err := q.TryPut(2); errors.Is(err, queue.ErrFull) {
		t.Println("put nowait Full")
	}
	v, err := q.Peek(bg)
	unexpected(t, "peek", err)
	t.Println("peek", v, "qsize", q.Len(), "empty", py(q.Empty()), "full", py(q.Full()))
}

func primQueuePeek(t *crosscheck.T) {
	q := queue.New[string](0)
	gs := []*scheduler.Greenlet[none]{
		scheduler.Spawn(func() (none, error) {
			v, err := q.Peek(bg)
			t.Println("peek", v)
			return none{}, err
		}),
		scheduler.Spawn(func() (none, error) {
			v, err := q.Get(bg)
			t.Println("get", v)
			return none{}, err
		}),
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "put", q.Put(bg, "v"))
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("qsize", q.Len())
}

func primLifoPriority(t *crosscheck.T) {
	l := queue.NewLifo[int](0)
	for _, i := range []int{1, 2, 3} {
		unexpected(t, "put", l.Put(bg, i))
	}
	var out []int
	for range 3 {
		v, _ := l.Get(bg)
		out = append(out, v)
	}
	t.Println("lifo", pyInts(out))
	p := queue.NewPriority[int](0)
	for _, i := range []int{5, 1, 4, 2, 3} {
		unexpected(t, "put", p.Put(bg, i))
	}
	out = nil
	for range 5 {
		v, _ := p.Get(bg)
		out = append(out, v)
	}
	t.Println("priority", pyInts(out))
}

func primJoinable(t *crosscheck.T) {
	q := queue.NewJoinable[int](0)
	w := scheduler.Go(func() error {
		for {
			item, err := q.Get(bg)
			if err != nil {
				return err
			}
			if err := scheduler.Sleep(bg, ms); err != nil {
				return err
			}
			t.Println("done", item)
			if err := q.TaskDone(); err != nil {
				return err
			}
		}
	})
	for i := range 3 {
		unexpected(t, "put", q.Put(bg, i))
	}
	t.Println("unfinished", q.Unfinished())
	ok, err := waitOK(q.Join(bg))
	unexpected(t, "join", err)
	t.Println("join", py(ok))
	ok, err = waitOK(q.Join(within(10 * ms)))
	unexpected(t, "join", err)
	t.Println("join timeout", py(ok))
	unexpected(t, "kill", w.Kill(bg, nil))
	if err := q.TaskDone(); errors.Is(err, queue.ErrTaskDone) {
		t.Println("task_done error")
	}
}

func primJoinableTimeout(t *crosscheck.T) {
	q := queue.NewJoinable[int](0)
	unexpected(t, "put", q.Put(bg, 1))
	ok, err := waitOK(q.Join(within(10 * ms)))
	unexpected(t, "join", err)
	t.Println("join", py(ok))
	_, _ = q.Get(bg)
	unexpected(t, "task_done", q.TaskDone())
	ok, err = waitOK(q.Join(within(10 * ms)))
	unexpected(t, "join", err)
	t.Println("join", py(ok))
}

func primJoinableCopy(t *crosscheck.T) {
	joined := func(q *queue.JoinableQueue[int]) string {
		ok, err := waitOK(q.Join(within(10 * ms)))
		unexpected(t, "join", err)
		return py(ok)
	}
	q := queue.NewJoinable[int](0)
	unexpected(t, "put", q.Put(bg, 1))
	unexpected(t, "put", q.Put(bg, 2))
	unexpected(t, "task_done", q.TaskDone())
	unexpected(t, "task_done", q.TaskDone())
	t.Println("unfinished", q.Unfinished(), "qsize", q.Len(), "join", joined(q))
	c := q.Copy()
	t.Println("copy unfinished", c.Unfinished(), "qsize", c.Len())
	t.Println("copy join", joined(c))
	for range 2 {
		v, err := c.Get(bg)
		unexpected(t, "get", err)
		t.Println("copy get", v)
		unexpected(t, "task_done", c.TaskDone())
	}
	t.Println("copy unfinished", c.Unfinished(), "join", joined(c))
	t.Println("unfinished", q.Unfinished(), "qsize", q.Len())
	v, err := q.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
	unexpected(t, "put", q.Put(bg, 3))
	t.Println("unfinished", q.Unfinished(), "qsize", q.Len())
	c = q.Copy()
	t.Println("copy unfinished", c.Unfinished(), "qsize", c.Len())
	e := queue.NewJoinable[int](0).Copy()
	t.Println("empty copy unfinished", e.Unfinished(), "join", joined(e))
}

func primChannel(t *crosscheck.T) {
	c := queue.NewChannel[string]()
	put := func(n string) func() (none, error) {
		return func() (none, error) {
			err := c.Put(bg, n)
			t.Println("put returned", n)
			return none{}, err
		}
	}
	get := func(n int) func() (none, error) {
		return func() (none, error) {
			v, err := c.Get(bg)
			t.Println("get", n, v)
			return none{}, err
		}
	}
	gs := []*scheduler.Greenlet[none]{scheduler.Spawn(put("x")), scheduler.Spawn(put("y")), scheduler.Spawn(get(1)), scheduler.Spawn(get(2))}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
}

func primChannelTimeout(t *crosscheck.T) {
	c := queue.NewChannel[int]()
	if err := c.Put(within(10*ms), 1); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("put Full")
	}
	if _, err := c.Get(within(10 * ms)); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("get Empty")
	}
	g := scheduler.Spawn(func() (int, error) { return c.Get(bg) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "put", c.TryPut(5))
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("got", v)
}

// primQueueMaxsize: assigning maxsize (SetMaxSize). Growing it lets the
// waiting putters in, in the order they came. gevent's setter schedules
// nothing itself (SetMaxSize does), so each assignment here is followed by
// a get, whose callback lets them in on both sides. Shrinking keeps the
// items. copy keeps the items, their order, maxsize and the unfinished
// count.
func primQueueMaxsize(t *crosscheck.T) {
	pyMax := func(n int) string {
		if n == 0 {
			return "None"
		}
		return fmt.Sprint(n)
	}
	get := func(q *queue.Queue[string]) string {
		v, err := q.Get(bg)
		unexpected(t, "get", err)
		return v
	}
	q, gs := fullWithPutters(t)
	t.Println("full", py(q.Full()))
	for _, m := range []int{2, 0} {
		unexpected(t, "set maxsize", q.SetMaxSize(m))
		t.Println("maxsize", pyMax(q.MaxSize()), "full", py(q.Full()))
		t.Println("get", get(q))
		unexpected(t, "sleep", scheduler.Sleep(bg, 0))
		t.Println("qsize", q.Len())
	}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "set maxsize", q.SetMaxSize(1))
	t.Println("maxsize", pyMax(q.MaxSize()), "full", py(q.Full()), "qsize", q.Len())
	if err := q.TryPut("d"); errors.Is(err, queue.ErrFull) {
		t.Println("put nowait Full")
	}
	c := q.Copy()
	t.Println("copy maxsize", pyMax(c.MaxSize()), "qsize", c.Len())
	t.Println("get", get(q), "full", py(q.Full()))
	t.Println("get", get(q), "full", py(q.Full()))
	t.Println("copy get", get(c), get(c), "qsize", q.Len(), c.Len())
	primQueueCopyKinds(t, pyMax)
}

// primQueueCopyKinds is primQueueMaxsize's copies of a PriorityQueue and a
// JoinableQueue.
func primQueueCopyKinds(t *crosscheck.T, pyMax func(int) string) {
	pq := queue.NewPriority[int](0)
	for _, i := range []int{5, 1, 4, 2, 3} {
		unexpected(t, "put", pq.Put(bg, i))
	}
	pc := pq.Copy()
	var out []int
	for range 5 {
		v, err := pc.Get(bg)
		unexpected(t, "get", err)
		out = append(out, v)
	}
	t.Println("priority copy", pyInts(out), "qsize", pq.Len())
	jq := queue.NewJoinable[int](3)
	for _, i := range []int{1, 2} {
		unexpected(t, "put", jq.Put(bg, i))
	}
	_, err := jq.Get(bg)
	unexpected(t, "get", err)
	unexpected(t, "task_done", jq.TaskDone())
	jc := jq.Copy()
	t.Println("joinable copy maxsize", pyMax(jc.MaxSize()), "qsize", jc.Len(), "unfinished", jc.Unfinished())
	_, err = jc.Get(bg)
	unexpected(t, "get", err)
	unexpected(t, "task_done", jc.TaskDone())
	t.Println("unfinished", jq.Unfinished(), jc.Unfinished())
}

// primChannelWaiters: a Channel's getters and putters (Getters, Putters)
// are the greenlets waiting on each side; balance is their difference.
func primChannelWaiters(t *crosscheck.T) {
	ch := queue.NewChannel[int]()
	show := func() {
		t.Println("getters", ch.Getters(), "putters", ch.Putters(), "balance", ch.Balance())
	}
	show()
	var gs []*scheduler.Greenlet[int]
	for range 2 {
		gs = append(gs, scheduler.Spawn(func() (int, error) { return ch.Get(bg) }))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	show()
	unexpected(t, "put", ch.Put(bg, 1))
	show()
	var ps []*scheduler.Greenlet[none]
	for n := range 3 {
		ps = append(ps, scheduler.Spawn(func() (none, error) { return none{}, ch.Put(bg, n) }))
	}
	for range 2 {
		unexpected(t, "sleep", scheduler.Sleep(bg, 0))
		show()
	}
	unexpected(t, "kill", ps[2].Kill(bg, nil))
	show()
	v, err := ch.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
	show()
	_, err = scheduler.Wait(bg, ps, 0)
	unexpected(t, "joinall", err)
	_, err = scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("results", pyInts([]int{gs[0].Value(), gs[1].Value()}))
}
