package geventsuite

import (
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("callback_order", callbackOrder)
	register("callback_drain_same_iteration", callbackDrainSameIteration)
	register("callback_vs_timer", callbackVsTimer)
	register("callback_vs_io", callbackVsIO)
	register("callback_error", callbackError)
	register("callback_stop_during_drain", callbackStopDuringDrain)
	register("threadsafe_callback", threadsafeCallback)
}

func callbackOrder(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var cb func(name string)
	cb = func(name string) {
		t.Println("cb", name)
		if name == "a" {
			runCallback(t, hub, func() { cb("a-child") })
		}
	}
	runCallback(t, hub, func() { cb("a") })
	x := runCallback(t, hub, func() { cb("stopped") })
	runCallback(t, hub, func() { cb("b") })
	x.Stop()
	t.Println("queued")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after sleep0")
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("after second sleep0")
}

func callbackDrainSameIteration(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	count := 0
	var chain func()
	chain = func() {
		count++
		if count < 20 {
			runCallback(t, hub, chain)
		} else {
			t.Println("chain done")
		}
	}
	timer := func() (none, error) {
		if err := scheduler.Sleep(bg, time.Microsecond); err != nil {
			return none{}, err
		}
		t.Println("timer woke, chain count", count)
		return none{}, nil
	}
	scheduler.Spawn(timer)
	unexpected(t, "sleep", scheduler.Sleep(bg, 5*ms))
	runCallback(t, hub, chain)
	g2 := scheduler.Spawn(timer)
	unexpected(t, "join", g2.Join(bg))
	t.Println("done")
}

func callbackVsTimer(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	a := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, time.Microsecond); err != nil {
			return none{}, err
		}
		t.Println("timer woke t1")
		return none{}, nil
	})
	b := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("sleep0 woke y1")
		if err := scheduler.Sleep(bg, 0); err != nil {
			return none{}, err
		}
		t.Println("sleep0 woke again y1")
		return none{}, nil
	})
	runCallback(t, hub, func() { t.Println("callback") })
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{a, b}, 0)
	unexpected(t, "joinall", err)
	t.Println("done")
}

// callbackVsIO: Python's loop.io(fd, 1) + hub.wait(io) is a cev IO watcher
// whose callback fires a Waker, passed to Hub.Wait.
func callbackVsIO(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatalf("pipe: %v", err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	if _, err := syscall.Write(p[1], []byte("x")); err != nil {
		t.Fatalf("write: %v", err)
	}
	reader := scheduler.Spawn(func() (none, error) {
		k := scheduler.NewWaker()
		io, err := hub.Loop().NewIO(p[0], cev.EV_READ, func(_ *cev.IO, revents int) { k.Fire(revents) })
		if err != nil {
			return none{}, err
		}
		defer io.Close()
		if _, err := hub.Wait(bg, io, k, "pipe"); err != nil {
			return none{}, err
		}
		t.Println("readable")
		return none{}, nil
	})
	sleeper := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, time.Microsecond); err != nil {
			return none{}, err
		}
		t.Println("timer")
		return none{}, nil
	})
	runCallback(t, hub, func() { t.Println("callback") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 25*ms))
	t.Println("main woke")
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{reader, sleeper}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "reader", reader.Err())
}

// callbackError: a Python callback that raises is a Go callback that
// panics; the hub reports it (stderr) and runs the next callbacks.
func callbackError(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	runCallback(t, hub, func() {
		t.Println("bad")
		panic(errBoom)
	})
	runCallback(t, hub, func() { t.Println("next") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}

func callbackStopDuringDrain(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	var second scheduler.Callback
	runCallback(t, hub, func() {
		t.Println("first")
		second.Stop()
	})
	second = runCallback(t, hub, func() { t.Println("second") })
	runCallback(t, hub, func() { t.Println("third") })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("done")
}

// threadsafeCallback: Python's thread + loop.run_callback_threadsafe is a
// goroutine + Hub.Post; the sleeping greenlet keeps the loop alive in both.
func threadsafeCallback(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	w := scheduler.NewWaiter("")
	keep := scheduler.Spawn(func() (none, error) { return none{}, scheduler.Sleep(bg, 10*time.Second) })
	done := make(chan error, 1)
	go func() {
		time.Sleep(50 * ms)
		done <- hub.Post(func() { w.Switch("from thread") })
	}()
	v, err := w.Get(bg)
	unexpected(t, "get", err)
	t.Println("got", v)
	unexpected(t, "post", <-done)
	unexpected(t, "kill", keep.Kill(bg, nil))
	t.Println("done")
}
