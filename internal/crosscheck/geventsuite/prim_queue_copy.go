package geventsuite

import (
	"strconv"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_joinable_copy_states", primJoinableCopyStates)
}

// showJoinableCopy prints q's count and size and those of its copy, whose Join is tried with
// gevent's join(0.001), and returns the copy.
func showJoinableCopy(t *crosscheck.T, name string, q *queue.JoinableQueue[int]) *queue.JoinableQueue[int] {
	c := q.Copy()
	ok, err := waitOK(c.Join(within(ms)))
	unexpected(t, "join", err)
	t.Println(name, "unfinished", q.Unfinished(), "qsize", q.Len(),
		"copy unfinished", c.Unfinished(), "qsize", c.Len(), "maxsize", pyMaxSize(c.MaxSize()),
		"join", py(ok))
	return c
}

// primJoinableCopyStates: JoinableQueue.copy in the states prim_joinable_copy leaves out: a
// count above the items (gets without task_done), below them (task_done without a get), a
// waiting putter (its item is neither in the copy nor counted yet), a waiting getter, and a
// maxsize shrunk below the items.
func primJoinableCopyStates(t *crosscheck.T) {
	q := queue.NewJoinable[int](0)
	puts(t, q, 1, 2)
	gets(t, q, 2)
	showJoinableCopy(t, "got", q)

	q = queue.NewJoinable[int](0)
	puts(t, q, 1, 2)
	unexpected(t, "task_done", q.TaskDone())
	showJoinableCopy(t, "half", q)

	q = queue.NewJoinable[int](0)
	puts(t, q, 1, 2, 3)
	gets(t, q, 2)
	showJoinableCopy(t, "more", q)

	q = queue.NewJoinable[int](1)
	puts(t, q, 1)
	p := scheduler.Go(func() error { return q.Put(bg, 2) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	c := showJoinableCopy(t, "putter", q)
	v, err := q.Get(bg)
	unexpected(t, "get", err)
	t.Println("original get", v)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after putter unfinished", q.Unfinished(), "qsize", q.Len(), "copy", c.Unfinished(), c.Len())
	unexpected(t, "putter", p.Join(bg))

	q = queue.NewJoinable[int](1)
	puts(t, q, 1)
	unexpected(t, "task_done", q.TaskDone())
	p = scheduler.Go(func() error { return q.Put(bg, 2) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	c = showJoinableCopy(t, "putter done", q)
	v, err = c.Get(bg)
	unexpected(t, "get", err)
	t.Println("copy get", v, "copy full", py(c.Full()))
	gets(t, q, 1)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "putter", p.Join(bg))

	q = queue.NewJoinable[int](0)
	g := scheduler.Spawn(func() (int, error) { return q.Get(bg) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	c = showJoinableCopy(t, "getter", q)
	puts(t, q, 5)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("getter got", g.Value(), "unfinished", q.Unfinished(), "copy", c.Unfinished(), c.Len())

	q = queue.NewJoinable[int](3)
	puts(t, q, 1, 2, 3)
	for range 3 {
		unexpected(t, "task_done", q.TaskDone())
	}
	unexpected(t, "set maxsize", q.SetMaxSize(1))
	c = showJoinableCopy(t, "shrunk", q)
	t.Println("copy full", py(c.Full()))
}

// pyMaxSize prints a queue's MaxSize as gevent's maxsize property: None when unbounded.
func pyMaxSize(n int) string {
	if n <= 0 {
		return "None"
	}
	return strconv.Itoa(n)
}

// puts puts each of vs into q.
func puts(t *crosscheck.T, q *queue.JoinableQueue[int], vs ...int) {
	for _, v := range vs {
		unexpected(t, "put", q.Put(bg, v))
	}
}

// gets takes n items out of q.
func gets(t *crosscheck.T, q *queue.JoinableQueue[int], n int) {
	for range n {
		_, err := q.Get(bg)
		unexpected(t, "get", err)
	}
}
