package geventsuite

import (
	"runtime"
	"strings"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("spawntree_spawner", spawnTreeSpawner)
	register("spawntree_stack", spawnTreeStack)
}

// who names the calling greenlet as the references' who() does: a
// Greenlet's name, "hub" for the hub greenlet (callbacks, rawlinks), "main"
// for the main greenlet and "raw" for any other (SpawnRaw, a Link
// callback's greenlet).
func who() string {
	if g := scheduler.GetCurrent(); g != nil {
		return g.Name()
	}
	if scheduler.CurrentHub().InHub() {
		return "hub"
	}
	if greenlet.Current().IsMain() {
		return "main"
	}
	return "raw"
}

// spawnerOf is the reference's spawner_of: the name of the Greenlet that
// spawned g, None when it was no Greenlet.
func spawnerOf(g scheduler.Runnable) string {
	type spawning interface{ SpawningGreenlet() scheduler.Runnable }
	s, ok := g.(spawning)
	if !ok {
		return "not a Greenlet"
	}
	if sg := s.SpawningGreenlet(); sg != nil {
		return sg.Name()
	}
	return "None"
}

func spawnTreeSpawner(t *crosscheck.T) {
	report := func() {
		me := scheduler.GetCurrent()
		t.Println(me.Name(), "spawned by", spawnerOf(me))
	}
	leaf := func() (none, error) { report(); return none{}, nil }
	middle := func() (none, error) {
		report()
		c := named(t, "c", leaf)
		t.Println("b made c, c's spawner", spawnerOf(c))
		later := scheduler.New(leaf)
		later.SetName("later")
		if err := later.StartLater(5 * ms); err != nil {
			return none{}, err
		}
		t.Println("b ends before its children run")
		return none{}, nil
	}
	top := func() (none, error) {
		report()
		if err := named(t, "b", middle).Join(bg); err != nil {
			return none{}, err
		}
		t.Println("a after b ended")
		return none{}, nil
	}
	unexpected(t, "join", named(t, "a", top).Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))

	spawnRaw(t, func() error { named(t, "from-raw", leaf); return nil })
	runCallback(t, scheduler.CurrentHub(), func() { named(t, "from-callback", leaf) })
	done := scheduler.Spawn(func() (none, error) { return none{}, nil })
	done.Link(func(scheduler.Linkable) { named(t, "from-link", leaf) })
	done.Rawlink(func(scheduler.Linkable) { named(t, "from-rawlink", leaf) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
	t.Println("done")
}

// frames is the reference's frames(): the short names of the first n
// frames of g's spawning stack.
func frames(g interface{ SpawningStack() []runtime.Frame }, n int) string {
	var names []string
	for _, f := range g.SpawningStack() {
		if len(names) == n {
			break
		}
		names = append(names, shortFunc(f.Function))
	}
	return pyStrs(names)
}

// shortFunc is a Go function's name without its package path, as Python's
// co_name is.
func shortFunc(name string) string {
	return name[strings.LastIndexByte(name, '.')+1:]
}

// The spawners of spawntree_stack are named as in the reference and kept
// out of line so that each is a frame of its own.

//go:noinline
func spawnFromHere(fn func() (none, error)) *scheduler.Greenlet[none] {
	return scheduler.Spawn(fn)
}

//go:noinline
func outerCaller(fn func() (none, error)) *scheduler.Greenlet[none] {
	return spawnFromHere(fn)
}

//go:noinline
func makeDirect(fn func() (none, error)) *scheduler.Greenlet[none] {
	return scheduler.New(fn)
}

//go:noinline
func makeLater(fn func() (none, error)) *scheduler.Greenlet[none] {
	return scheduler.SpawnLater(ms, fn)
}

func nothing() (none, error) { return none{}, nil }

func spawnTreeStack(t *crosscheck.T) {
	scheduler.CurrentHub().SetRecordSpawnStacks(true)
	g := outerCaller(nothing)
	t.Println("spawn", frames(g, 2))
	d := makeDirect(nothing)
	t.Println("Greenlet()", frames(d, 1))
	later := makeLater(nothing)
	t.Println("spawn_later", frames(later, 1))
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{g, later}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "join", scheduler.Spawn(stackTwin{t}.inGreenlet).Join(bg))
}

// stackTwin gives the greenlet body of spawntree_stack a name of its own
// (a closure's would be funcN).
type stackTwin struct{ t *crosscheck.T }

func (s stackTwin) inGreenlet() (none, error) {
	g := spawnFromHere(nothing)
	s.t.Println("in a greenlet", frames(g, 2))
	return none{}, g.Join(bg)
}
