package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("link_order", linkOrder)
	register("link_exception", linkException)
	register("link_after_death", linkAfterDeath)
	register("link_callback_error", linkCallbackError)
	register("link_blocking", linkBlocking)
	register("link_getcurrent", linkGetcurrent)
	register("links_during_join", linksDuringJoin)
	register("unlink", unlink)
	register("unlink_during_notify", unlinkDuringNotify)
}

func linkOrder(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) {
		t.Println("ok body")
		return 1, nil
	})
	g.Link(func(scheduler.Linkable) { t.Println("link 1", g.Value()) })
	g.LinkException(func(scheduler.Linkable) { t.Println("link_exception") })
	g.Rawlink(func(scheduler.Linkable) { t.Println("rawlink 2") })
	g.LinkValue(func(scheduler.Linkable) { t.Println("link_value 3", g.Value()) })
	g.Link(func(scheduler.Linkable) { t.Println("link 4") })
	unexpected(t, "join", g.Join(bg))
	t.Println("joined")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0")
}

func linkException(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 0, errBoom })
	g.LinkValue(func(scheduler.Linkable) { t.Println("link_value") })
	g.LinkException(func(scheduler.Linkable) {
		if errors.Is(g.Err(), errBoom) {
			t.Println("link_exception ValueError", errBoom)
		} else {
			t.Println("link_exception", errName(g.Err()))
		}
	})
	g.Link(func(scheduler.Linkable) { t.Println("link", py(g.Successful())) })
	// The body's failure is what the reference waits for; Join reports
	// nothing about it in gevent (join never raises the greenlet's error).
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}

func linkAfterDeath(t *crosscheck.T) {
	g := scheduler.Spawn(func() (string, error) { return "v", nil })
	unexpected(t, "join", g.Join(bg))
	g.Link(func(scheduler.Linkable) { t.Println("late link", g.Value()) })
	t.Println("linked")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0")
	g.LinkException(func(scheduler.Linkable) { t.Println("not reached") })
	g.LinkValue(func(scheduler.Linkable) { t.Println("late link_value", g.Value()) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}

// linkCallbackError: a Python link that raises is a Go link that panics;
// the hub reports it (stderr, not compared) and runs the remaining links.
func linkCallbackError(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 3, nil })
	g.Link(func(scheduler.Linkable) { t.Println("link 1") })
	g.Link(func(scheduler.Linkable) {
		t.Println("boom link")
		panic(errInLink)
	})
	g.Link(func(scheduler.Linkable) { t.Println("link 3") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("successful", py(g.Successful()), g.Value())
}

func linkBlocking(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	g.Link(func(scheduler.Linkable) {
		t.Println("slow start")
		unexpected(t, "sleep in link", scheduler.Sleep(bg, 50*ms))
		t.Println("slow end")
	})
	g.Link(func(scheduler.Linkable) { t.Println("fast") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 150*ms))
	t.Println("done")
}

// linkGetcurrent: "is the hub" is checked against the raw greenlet that a
// RunCallback callback runs in, since the Hub does not expose its greenlet.
func linkGetcurrent(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var hubRaw *greenlet.Greenlet
	runCallback(t, hub, func() { hubRaw = greenlet.Current() })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	where := func() string {
		return py(scheduler.GetCurrent() != nil) + " in hub " + py(hubRaw != nil && greenlet.Current() == hubRaw)
	}
	g.Link(func(scheduler.Linkable) { t.Println("link in Greenlet", where()) })
	g.Rawlink(func(scheduler.Linkable) { t.Println("rawlink in Greenlet", where()) })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}

func linksDuringJoin(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	g.Link(func(scheduler.Linkable) { t.Println("link A") })
	scheduler.Spawn(func() (none, error) {
		if err := g.Join(bg); err != nil {
			return none{}, err
		}
		t.Println("joiner woke")
		return none{}, nil
	})
	g.Link(func(scheduler.Linkable) { t.Println("link B") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	t.Println("done")
}

// unlink: Python unlinks by the callback object; Go funcs are not
// comparable, so Link returns a handle and Unlink takes it.
func unlink(t *crosscheck.T) {
	g := scheduler.Spawn(func() (none, error) { return none{}, nil })
	h1 := g.Link(func(scheduler.Linkable) { t.Println("cb1") })
	g.Link(func(scheduler.Linkable) { t.Println("cb2") })
	g.Unlink(h1)
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("has links", py(g.HasLinks()))
	g.Unlink(h1)
	t.Println("done")
}

// unlinkDuringNotify: Python unlinks by callback; Go by the LinkID that
// Rawlink returned.
func unlinkDuringNotify(t *crosscheck.T) {
	g := scheduler.Spawn(func() (int, error) { return 1, nil })
	var second scheduler.LinkID
	g.Rawlink(func(scheduler.Linkable) {
		t.Println("first")
		g.Unlink(second)
		g.Rawlink(func(scheduler.Linkable) { t.Println("added during notify") })
	})
	second = g.Rawlink(func(scheduler.Linkable) { t.Println("second") })
	g.Rawlink(func(scheduler.Linkable) { t.Println("third") })
	unexpected(t, "join", g.Join(bg))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}
