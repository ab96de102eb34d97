package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_event_wake_order", primEventWakeOrder)
	register("prim_event_set_clear", primEventSetClear)
	register("prim_event_already_set", primEventAlreadySet)
	register("prim_event_timeout", primEventTimeout)
	register("prim_event_rawlink", primEventRawlink)
	register("prim_asyncresult_get", primAsyncResultGet)
	register("prim_asyncresult_wait_iwait", primAsyncResultWaitIWait)
}

func primEventWakeOrder(t *crosscheck.T) {
	var e event.Event
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b", "c"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			ok, err := waitOK(e.Wait(bg))
			unexpected(t, "wait", err)
			t.Println("wait", n, py(ok))
			return none{}, nil
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	e.Set()
	t.Println("set returned")
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
}

func primEventSetClear(t *crosscheck.T) {
	var e event.Event
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			ok, err := waitOK(e.Wait(bg))
			unexpected(t, "wait", err)
			t.Println("wait", n, py(ok), "is_set", py(e.IsSet()))
			return none{}, nil
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	e.Set()
	e.Clear()
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
}

func primEventAlreadySet(t *crosscheck.T) {
	var e event.Event
	e.Set()
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	g := scheduler.Go(func() error { t.Println("other ran"); return nil })
	ok, err := waitOK(e.Wait(bg))
	unexpected(t, "wait", err)
	t.Println("wait", py(ok))
	t.Println("before join")
	unexpected(t, "join", g.Join(bg))
	var f event.Event
	g2 := scheduler.Go(func() error {
		ok, err := waitOK(f.Wait(bg))
		t.Println("blocked waiter", py(ok))
		return err
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	f.Set()
	ok, err = waitOK(f.Wait(bg))
	unexpected(t, "wait", err)
	t.Println("late wait", py(ok))
	unexpected(t, "join", g2.Join(bg))
}

func primEventTimeout(t *crosscheck.T) {
	var e event.Event
	ok, err := waitOK(e.Wait(within(10 * ms)))
	unexpected(t, "wait", err)
	t.Println("wait", py(ok))
	scheduler.SpawnLater(10*ms, func() (none, error) { e.Set(); return none{}, nil })
	ok, err = waitOK(e.Wait(within(1000 * ms)))
	unexpected(t, "wait", err)
	t.Println("wait", py(ok))
	var z event.Event
	ok, err = waitOK(timeout0(func() error { return z.Wait(bg) }))
	unexpected(t, "wait", err)
	t.Println("wait0", py(ok))
}

func primEventRawlink(t *crosscheck.T) {
	var e event.Event
	e.Rawlink(func(scheduler.Linkable) { t.Println("link 1") })
	g := scheduler.Go(func() error {
		err := e.Wait(bg)
		t.Println("waiter")
		return err
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	e.Rawlink(func(scheduler.Linkable) { t.Println("link 2") })
	e.Set()
	t.Println("set")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep")
	unexpected(t, "join", g.Join(bg))
	e.Rawlink(func(scheduler.Linkable) { t.Println("link after set") })
	t.Println("linked")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
}

func primAsyncResultGet(t *crosscheck.T) {
	var a event.AsyncResult[int]
	// gevent's get(block=False) raises Timeout; TryGet says ErrNotReady.
	if _, err := a.TryGet(); errors.Is(err, scheduler.ErrNotReady) {
		t.Println("not ready: Timeout")
	}
	var gs []*scheduler.Greenlet[none]
	for _, n := range []string{"a", "b"} {
		gs = append(gs, scheduler.Spawn(func() (none, error) {
			v, err := a.Get(bg)
			unexpected(t, "get", err)
			t.Println("got", n, v)
			return none{}, nil
		}))
	}
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	a.Set(42)
	t.Println("ready", py(a.Ready()), "successful", py(a.Successful()), "value", a.Value())
	_, err := scheduler.Wait(bg, gs, 0)
	unexpected(t, "joinall", err)
	var b event.AsyncResult[int]
	b.SetError(errBoom)
	if _, err := b.Get(bg); errors.Is(err, errBoom) {
		t.Println("raised", err, "successful", py(b.Successful()))
	}
	var c event.AsyncResult[int]
	if _, err := c.Get(within(10 * ms)); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("get timeout")
	}
	ready, err := waitOK(c.Wait(within(10 * ms)))
	unexpected(t, "wait", err)
	if !ready {
		t.Println("wait None")
	}
}

func primAsyncResultWaitIWait(t *crosscheck.T) {
	var e event.Event
	var a event.AsyncResult[int]
	scheduler.SpawnLater(20*ms, func() (none, error) { e.Set(); return none{}, nil })
	scheduler.SpawnLater(10*ms, func() (none, error) { a.Set(1); return none{}, nil })
	done, err := scheduler.Wait(bg, []scheduler.Linkable{&e, &a}, 0)
	unexpected(t, "wait", err)
	var names []string
	for _, x := range done {
		if x == scheduler.Linkable(&e) {
			names = append(names, "event")
		} else {
			names = append(names, "result")
		}
	}
	t.Println(pyStrs(names))
}
