package geventsuite

import (
	"fmt"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("local_per_greenlet", localPerGreenlet)
	register("local_init", localInit)
	register("local_delete", localDelete)
}

// localStr prints a Local's value the way the references print
// getattr(local, "x", None).
func localStr[T any](l *scheduler.Local[T]) string {
	v, ok := l.Get()
	if !ok {
		return "None"
	}
	return fmt.Sprint(v)
}

// named is gevent.Greenlet(fn) given a name and started: the references name
// the greenlets they print, as gevent numbers its default names differently.
func named[T any](t *crosscheck.T, name string, fn func() (T, error)) *scheduler.Greenlet[T] {
	g := scheduler.New(fn)
	g.SetName(name)
	if err := g.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	return g
}

// localPerGreenlet: a gevent.local attribute x is one Local; Python's
// rawlink runs in the hub greenlet as Rawlink does, and link's fresh
// greenlet is Link's link greenlet.
func localPerGreenlet(t *crosscheck.T) {
	var loc scheduler.Local[string]
	show := func(tag string) { t.Println(tag, localStr(&loc)) }
	set := func(v string) { unexpected(t, "set", loc.Set(v)) }
	child := func(tag string) func() (none, error) {
		return func() (none, error) {
			show(tag + " sees")
			set(tag)
			show(tag + " set")
			return none{}, nil
		}
	}
	worker := func(n int) func() (none, error) {
		return func() (none, error) {
			me := fmt.Sprintf("w%d", n)
			show(me + " start")
			set(me)
			scheduler.Spawn(child(me + "-child"))
			if err := scheduler.Sleep(bg, 0); err != nil {
				return none{}, err
			}
			show(me + " after sleep")
			return none{}, nil
		}
	}
	show("main before set")
	set("main")
	a := named(t, "w1", worker(1))
	b := named(t, "w2", worker(2))
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{a, b}, 0)
	unexpected(t, "joinall", err)
	show("main after join")

	hub := scheduler.CurrentHub()
	runCallback(t, hub, func() {
		show("callback 1")
		set("hub")
	})
	runCallback(t, hub, func() { show("callback 2") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	a.Rawlink(func(scheduler.Linkable) { show("rawlink") })
	a.Link(func(scheduler.Linkable) { show("link") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	show("main at end")
}

// localInit: the subclass's __init__(start) is New returning start; Python
// runs it in the constructing greenlet at construction, which here is
// main's first Get right after the Local is made.
func localInit(t *crosscheck.T) {
	loc := &scheduler.Local[int]{New: func() int {
		t.Println("init in", who())
		return 10
	}}
	get := func() int { v, _ := loc.Get(); return v }
	add := func(d int) { unexpected(t, "set", loc.Set(get()+d)) }
	get()
	t.Println("main reads", get())
	add(1)
	t.Println("main reads again", get())
	bump := func() (none, error) {
		t.Println(who(), "reads", get())
		add(5)
		t.Println(who(), "now", get())
		if err := scheduler.Sleep(bg, 0); err != nil {
			return none{}, err
		}
		t.Println(who(), "after sleep", get())
		return none{}, nil
	}
	g1, g2 := named(t, "g1", bump), named(t, "g2", bump)
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{g1, g2}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "join", named(t, "g3", bump).Join(bg))
	t.Println("g3 after g1 and g2 ended")
	unexpected(t, "join", named(t, "g4", bump).Join(bg))
	_, err = scheduler.SpawnRaw(func() error { _, err := bump(); return err })
	unexpected(t, "spawn_raw", err)
	unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))

	hub := scheduler.CurrentHub()
	cb := func() {
		t.Println(who(), "reads", get())
		add(100)
	}
	runCallback(t, hub, cb)
	runCallback(t, hub, cb)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("main at end", get())
}

// localDelete: del local.x is Delete.
func localDelete(t *crosscheck.T) {
	var loc, other scheduler.Local[string]
	show := func(tag string) { t.Println(tag, localStr(&loc), localStr(&other)) }
	unexpected(t, "set", loc.Set("1"))
	unexpected(t, "set", other.Set("o"))
	unexpected(t, "delete", loc.Delete())
	show("main after del")
	unexpected(t, "set", loc.Set("2"))
	worker := func(name string) func() (none, error) {
		return func() (none, error) {
			unexpected(t, "set", loc.Set(name))
			show(name + " set")
			if err := scheduler.Sleep(bg, 0); err != nil {
				return none{}, err
			}
			unexpected(t, "delete", loc.Delete())
			show(name + " after del")
			if err := scheduler.Sleep(bg, 0); err != nil {
				return none{}, err
			}
			unexpected(t, "set", loc.Set(name+"-again"))
			show(name + " set again")
			return none{}, nil
		}
	}
	gs := []*scheduler.Greenlet[none]{scheduler.Spawn(worker("a")), scheduler.Spawn(worker("b"))}
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	show("main at end")
}
