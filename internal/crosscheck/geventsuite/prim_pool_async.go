package geventsuite

import (
	"errors"
	"iter"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_pool_apply_async", primPoolApplyAsync)
	register("prim_pool_map_async", primPoolMapAsync)
	register("prim_pool_imap_maxsize", primPoolImapMaxsize)
}

// doubler prints when it runs and finishes, a hub turn apart, and returns
// twice x.
func doubler(t *crosscheck.T) func(x int) (int, error) {
	return func(x int) (int, error) {
		t.Println("run", x)
		if err := scheduler.Sleep(bg, ms); err != nil {
			return 0, err
		}
		t.Println("done", x)
		return x * 2, nil
	}
}

// printCallback is the callback of the async family: it prints the value.
func printCallback(t *crosscheck.T) func(int) error {
	return func(v int) error { t.Println("callback", v); return nil }
}

func primPoolApplyAsync(t *crosscheck.T) {
	p := mustPool(t, 1)
	f, cb := doubler(t), printCallback(t)
	g1, err := pool.ApplyAsync(p, func() (int, error) { return f(1) }, cb)
	unexpected(t, "apply_async", err)
	t.Println("g1 member", py(p.Contains(g1)), "free", p.FreeCount())
	g2, err := pool.ApplyAsync(p, func() (int, error) { return f(2) }, cb)
	unexpected(t, "apply_async", err)
	t.Println("g2 member", py(p.Contains(g2)), "len", p.Len())
	v, err := g1.Get(bg)
	unexpected(t, "get", err)
	t.Println("g1 get", v)
	v, err = g2.Get(bg)
	unexpected(t, "get", err)
	t.Println("g2 get", v)
	unexpected(t, "join", p.Join(bg))
	t.Println("len", p.Len())

	g3, err := pool.ApplyAsync(p, func() (int, error) { t.Println("run bad"); return 0, errBoom }, cb)
	unexpected(t, "apply_async", err)
	unexpected(t, "join", g3.Join(bg))
	t.Println("g3 successful", py(g3.Successful()), pyNone(g3.Err()))
	g := pool.NewGroup()
	g4, err := pool.ApplyAsync(g, func() (int, error) { return f(4) }, nil)
	unexpected(t, "apply_async", err)
	t.Println("g4 member", py(g.Contains(g4)))
	v, err = g4.Get(bg)
	unexpected(t, "get", err)
	t.Println("g4 get", v)
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
	t.Println("end")
}

func primPoolMapAsync(t *crosscheck.T) {
	p := mustPool(t, 2)
	delays := []time.Duration{30 * ms, 5 * ms, 15 * ms}
	f := func(x int) (int, error) {
		t.Println("run", x)
		if err := scheduler.Sleep(bg, delays[x]); err != nil {
			return 0, err
		}
		t.Println("done", x)
		return x * 10, nil
	}
	cb := func(v []int) error { t.Println("callback", pyInts(v)); return nil }
	g, err := pool.MapAsync(p, f, []int{0, 1, 2}, cb)
	unexpected(t, "map_async", err)
	t.Println("member", py(p.Contains(g)), "len", p.Len())
	vs, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", pyInts(vs))
	t.Println("len", p.Len())
	vs, err = pool.MapCallback(bg, p, f, []int{1, 2}, cb)
	unexpected(t, "map_cb", err)
	t.Println("map_cb", pyInts(vs))
	v, err := pool.ApplyCallback(bg, p, func() (int, error) { return f(2) }, printCallback(t))
	unexpected(t, "apply_cb", err)
	t.Println("apply_cb", v)
	t.Println("after apply_cb")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	v, err = pool.ApplyCallback(bg, p, func() (int, error) { return f(2) }, nil)
	unexpected(t, "apply_cb", err)
	t.Println("apply_cb without callback", v)

	bad := func(x int) (int, error) {
		if x == 1 {
			return 0, errBoom
		}
		return x, nil
	}
	g, err = pool.MapAsync(p, bad, []int{0, 1, 2}, cb)
	unexpected(t, "map_async", err)
	unexpected(t, "join", g.Join(bg))
	t.Println("failed", py(g.Successful()), pyNone(g.Err()))
	badcb := func(v []int) error { t.Println("badcb", pyInts(v)); return errInCallback }
	g, err = pool.MapAsync(p, bad, []int{0, 2}, badcb)
	unexpected(t, "map_async", err)
	unexpected(t, "join", g.Join(bg))
	t.Println("callback failed", py(g.Successful()), pyNone(g.Err()))
}

// errInCallback is ValueError("in callback") raised by a callback.
var errInCallback = errors.New("in callback")

func primPoolImapMaxsize(t *crosscheck.T) {
	f := func(x int) (int, error) {
		t.Println("start", x)
		return x, scheduler.Sleep(bg, 0)
	}
	read := func(seq iter.Seq2[int, error]) {
		for v, err := range seq {
			unexpected(t, "imap", err)
			t.Println("got", v)
			unexpected(t, "sleep", scheduler.Sleep(bg, ms))
		}
	}
	g := pool.NewGroup()
	read(pool.Imap(bg, g, f, pyRange(5), pool.ImapMaxSize(1)))
	t.Println("unordered")
	read(pool.ImapUnordered(bg, g, f, pyRange(5), pool.ImapMaxSize(2)))
	t.Println("pool")
	p := mustPool(t, 1)
	read(pool.Imap(bg, p, f, pyRange(4), pool.ImapMaxSize(3)))
	t.Println("len", g.Len(), p.Len())
}

// pyRange is Python's range(n).
func pyRange(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}
