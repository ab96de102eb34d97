package geventsuite

import (
	"errors"
	"fmt"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("spawncallback_order", spawnCallbackOrder)
	register("spawncallback_raises", spawnCallbackRaises)
	register("spawncallback_kills", spawnCallbackKills)
}

// addSpawnCallback is Greenlet.add_spawn_callback on the current hub; a
// failure fails the twin.
func addSpawnCallback(t *crosscheck.T, fn func(scheduler.Runnable)) scheduler.SpawnCallbackID {
	id, err := scheduler.CurrentHub().AddSpawnCallback(fn)
	if err != nil {
		t.Fatalf("AddSpawnCallback: %v", err)
	}
	return id
}

func spawnCallbackOrder(t *crosscheck.T) {
	count := 0
	id := addSpawnCallback(t, func(g scheduler.Runnable) {
		count++
		name := fmt.Sprintf("s%d", count)
		if n, ok := g.(interface{ SetName(string) }); ok {
			n.SetName(name)
		}
		t.Println("callback names", g.Name(), "in", who(), "started", py(g.Started()))
	})
	body := func(tag string) func() (none, error) {
		return func() (none, error) {
			t.Println("run", tag, "as", who())
			return none{}, nil
		}
	}
	a := scheduler.Spawn(body("a"))
	b := scheduler.New(func() (none, error) {
		t.Println("spawner runs as", who())
		scheduler.Spawn(body("from spawner"))
		t.Println("spawner spawned")
		return none{}, nil
	})
	t.Println("created b, callbacks so far", count)
	unexpected(t, "start", b.Start())
	unexpected(t, "start", b.Start())
	c := scheduler.SpawnLater(10*ms, body("c"))
	spawnRaw(t, func() error {
		t.Println("raw runs")
		scheduler.Spawn(body("from raw"))
		return nil
	})
	hub := scheduler.CurrentHub()
	runCallback(t, hub, func() { scheduler.Spawn(body("from callback")) })
	t.Println("main spawned, a started", py(a.Started()), "callbacks", count)
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{a, b, c}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
	// Python removes by the function, Go by the id AddSpawnCallback
	// returned; removing twice is no error in either.
	unexpected(t, "remove", hub.RemoveSpawnCallback(id))
	unexpected(t, "remove", hub.RemoveSpawnCallback(id))
	unexpected(t, "join", spawnPrint(t, "run d, not named").Join(bg))
	t.Println("callbacks at end", count)
}

var errCb = errors.New("cb") // ValueError("cb") raised by a spawn callback

// startRaises runs start and prints what came out of it: gevent raises the
// callback's exception from start(); the Go callback's panic reaches the
// caller of Start.
func startRaises(t *crosscheck.T, what string, start func() error) {
	defer func() {
		r := recover()
		if err, ok := r.(error); ok && errors.Is(err, errCb) {
			t.Println(what, "raised ValueError", err)
			return
		}
		if r != nil {
			panic(r)
		}
	}()
	unexpected(t, what, start())
	t.Println(what, "returned")
}

func spawnCallbackRaises(t *crosscheck.T) {
	id := addSpawnCallback(t, func(scheduler.Runnable) {
		t.Println("callback raises")
		panic(errCb)
	})
	body := func() (int, error) {
		t.Println("body runs")
		return 1, nil
	}
	g := scheduler.New(body)
	startRaises(t, "start", g.Start)
	t.Println("started", py(g.Started()), "dead", py(g.Dead()), "ready", py(g.Ready()))
	spawnRaw(t, func() error {
		startRaises(t, "spawn in greenlet", func() error { scheduler.Spawn(body); return nil })
		return nil
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
	t.Println("after sleep, g started", py(g.Started()), "dead", py(g.Dead()))
	unexpected(t, "remove", scheduler.CurrentHub().RemoveSpawnCallback(id))
	unexpected(t, "start", g.Start())
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("value", v)
}

// spawnCallbackKills: g.kill(block=False) in the callback is KillAsync.
func spawnCallbackKills(t *crosscheck.T) {
	id := addSpawnCallback(t, func(g scheduler.Runnable) {
		t.Println("callback kills")
		unexpected(t, "kill", g.KillAsync(nil))
		t.Println("in callback dead", py(g.Dead()), "ready", py(g.Ready()))
	})
	g := scheduler.Spawn(func() (none, error) {
		t.Println("body runs")
		return none{}, nil
	})
	t.Println("spawn returned")
	unexpected(t, "remove", scheduler.CurrentHub().RemoveSpawnCallback(id))
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
	t.Println("dead", py(g.Dead()), "ready", py(g.Ready()), "successful", py(g.Successful()))
}
