package geventsuite

import (
	"slices"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("spawn_order", spawnOrder)
	register("spawn_runs_on_block", spawnRunsOnBlock)
	register("spawn_later_order", spawnLaterOrder)
	register("start_later", startLater)
	register("spawn_in_link", spawnInLink)
}

func spawnOrder(t *crosscheck.T) {
	var gs []*scheduler.Greenlet[int]
	for i := range 3 {
		gs = append(gs, scheduler.Spawn(func() (int, error) {
			t.Println("run", i)
			return i, nil
		}))
	}
	started, ready := 0, 0
	for _, g := range gs {
		if g.Started() {
			started++
		}
		if g.Ready() {
			ready++
		}
	}
	t.Println("spawned", started, "started")
	t.Println("ready", ready)
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	var vals []int
	for _, g := range gs {
		vals = append(vals, g.Value())
	}
	t.Println("joined", py(slices.Equal(vals, []int{0, 1, 2})))
}

func spawnRunsOnBlock(t *crosscheck.T) {
	child := func(n string) func() (none, error) {
		return func() (none, error) {
			t.Println("child", n)
			return none{}, nil
		}
	}
	scheduler.Spawn(func() (none, error) {
		t.Println("parent start")
		scheduler.Spawn(child("c"))
		t.Println("parent spawned c")
		if err := scheduler.Sleep(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("parent after sleep")
		return none{}, nil
	})
	scheduler.Spawn(child("b"))
	t.Println("main before sleep")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("main after sleep0")
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	t.Println("main done")
}

func spawnLaterOrder(t *crosscheck.T) {
	f := func(n string) func() (none, error) {
		return func() (none, error) {
			t.Println("run", n)
			return none{}, nil
		}
	}
	gs := []*scheduler.Greenlet[none]{
		scheduler.SpawnLater(150*ms, f("a30")),
		scheduler.SpawnLater(50*ms, f("b10")),
		scheduler.SpawnLater(100*ms, f("c20")),
		scheduler.SpawnLater(50*ms, f("d10")),
		scheduler.Spawn(f("e0")),
	}
	var started []bool
	for _, g := range gs {
		started = append(started, g.Started())
	}
	t.Println("started", pyBools(started))
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}

func startLater(t *crosscheck.T) {
	f := func(n string) func() (string, error) {
		return func() (string, error) {
			t.Println("run", n)
			return n, nil
		}
	}
	g1, g2, g3 := scheduler.New(f("g1")), scheduler.New(f("g2")), scheduler.New(f("g3"))
	t.Println("before", py(g1.Started()), py(g2.Started()), py(g3.Started()))
	g1.StartLater(100 * ms)
	g2.Start()
	t.Println("after start", py(g1.Started()), py(g2.Started()), py(g3.Started()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0", py(g1.Dead()), py(g2.Dead()))
	unexpected(t, "join", g1.Join(bg))
	t.Println("g1 joined", g1.Value())
	g3.Start()
	g3.Start()
	unexpected(t, "join", g3.Join(bg))
	t.Println("g3 joined once", g3.Value())
}

func spawnInLink(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	g.Link(func(scheduler.Linkable) {
		t.Println("link 1 spawns")
		scheduler.Spawn(func() (none, error) {
			t.Println("spawned from link")
			return none{}, nil
		})
	})
	g.Link(func(scheduler.Linkable) { t.Println("link 2") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 5*ms))
	t.Println("done")
}
