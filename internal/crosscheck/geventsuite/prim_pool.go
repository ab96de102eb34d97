package geventsuite

import (
	"errors"
	"slices"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_pool_limit", primPoolLimit)
	register("prim_pool_nonblocking", primPoolNonblocking)
	register("prim_pool_map_order", primPoolMapOrder)
	register("prim_pool_imap", primPoolImap)
	register("prim_group_join_kill", primGroupJoinKill)
	register("prim_group_apply", primGroupApply)
}

func primPoolLimit(t *crosscheck.T) {
	p := mustPool(t, 2)
	running, peak := 0, 0
	for i := range 5 {
		_, err := pool.Spawn(bg, p, func() (int, error) {
			running++
			peak = max(peak, running)
			err := scheduler.Sleep(bg, time.Duration(i+1)*2*ms) // staggered: see the .py
			running--
			return i, err
		})
		unexpected(t, "spawn", err)
		t.Println("spawned", i, "free", p.FreeCount(), "full", py(p.Full()))
	}
	err := p.Join(bg)
	unexpected(t, "join", err)
	t.Println("peak", peak, "len", p.Len(), "free", p.FreeCount())
}

func primPoolNonblocking(t *crosscheck.T) {
	p := mustPool(t, 1)
	_, err := pool.Spawn(bg, p, func() (none, error) { return none{}, scheduler.Sleep(bg, 10*ms) })
	unexpected(t, "spawn", err)
	if _, err := pool.TrySpawn(p, func() (none, error) { return none{}, scheduler.Sleep(bg, 0) }); errors.Is(err, pool.ErrPoolFull) {
		t.Println("PoolFull")
	}
	err = p.Join(bg)
	unexpected(t, "join", err)
	t.Println("empty", p.Len())
}

func primPoolMapOrder(t *crosscheck.T) {
	p := mustPool(t, 3)
	out, err := pool.Map(bg, p, func(x int) (int, error) {
		return x * 10, scheduler.Sleep(bg, ms*scaled(5-x))
	}, []int{0, 1, 2, 3, 4})
	unexpected(t, "map", err)
	t.Println("map", pyInts(out))
}

func primPoolImap(t *crosscheck.T) {
	p := mustPool(t, 4)
	f := func(x int) (int, error) { return x, scheduler.Sleep(bg, 3*ms*scaled(4-x)) }
	collect := func(seq func(func(int, error) bool)) []int {
		var out []int
		for v, err := range seq {
			unexpected(t, "imap", err)
			out = append(out, v)
		}
		return out
	}
	t.Println("imap", pyInts(collect(pool.Imap(bg, p, f, slices.Values([]int{0, 1, 2, 3})))))
	t.Println("unordered", pyInts(collect(pool.ImapUnordered(bg, p, f, slices.Values([]int{0, 1, 2, 3})))))
}

func primGroupJoinKill(t *crosscheck.T) {
	g := pool.NewGroup()
	a, err := pool.Spawn(bg, g, func() (none, error) { return none{}, scheduler.Sleep(bg, ms) })
	unexpected(t, "spawn", err)
	b, err := pool.Spawn(bg, g, func() (none, error) { return none{}, scheduler.Sleep(bg, 10000*ms) })
	unexpected(t, "spawn", err)
	t.Println("len", g.Len())
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	t.Println("len after a", g.Len(), py(g.Contains(a)), py(g.Contains(b)))
	ok, err := waitOK(g.Join(within(10 * ms)))
	unexpected(t, "join", err)
	t.Println("join timeout", py(ok))
	unexpected(t, "kill", g.Kill(bg, nil))
	t.Println("len after kill", g.Len(), "b dead", py(b.Dead()))
	ok, err = waitOK(g.Join(bg))
	unexpected(t, "join", err)
	t.Println("join", py(ok))
}

func primGroupApply(t *crosscheck.T) {
	g := pool.NewGroup()
	v, err := pool.Apply(bg, g, func() (int, error) { return 7, nil })
	unexpected(t, "apply", err)
	t.Println("apply", v)
	x, err := pool.Spawn(bg, g, func() (none, error) { return none{}, scheduler.Sleep(bg, 10*ms) })
	unexpected(t, "spawn", err)
	unexpected(t, "discard", g.Discard(x))
	ok, err := waitOK(g.Join(bg))
	unexpected(t, "join", err)
	t.Println("len", g.Len(), "join", py(ok))
	unexpected(t, "join", x.Join(bg))
}

func mustPool(t *crosscheck.T, n int) *pool.Pool {
	p, err := pool.New(n)
	if err != nil {
		t.Fatalf("pool.New: %v", err)
	}
	return p
}

func scaled(n int) time.Duration { return time.Duration(n) }
