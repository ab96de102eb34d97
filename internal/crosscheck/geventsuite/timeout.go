package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("timeout_start_cancel", timeoutStartCancel)
	register("timeout_context", timeoutContext)
	register("timeout_false", timeoutFalse)
	register("timeout_custom_exception", timeoutCustomException)
	register("timeout_none", timeoutNone)
	register("timeout_zero", timeoutZero)
	register("timeout_nested", timeoutNested)
	register("timeout_caught_continue", timeoutCaughtContinue)
	register("timeout_restart", timeoutRestart)
	register("timeout_on_greenlet", timeoutOnGreenlet)
	register("timeout_during_join", timeoutDuringJoin)
	register("timeout_leaked", timeoutLeaked)
	register("timeout_equal_sleep", timeoutEqualSleep)
	register("with_timeout", withTimeout)
}

func timeoutStartCancel(t *crosscheck.T) {
	to := scheduler.NewTimeout(50*ms, nil)
	t.Println("pending before start", py(to.Pending()))
	to.Start()
	t.Println("pending after start", py(to.Pending()))
	to.Cancel()
	t.Println("pending after cancel", py(to.Pending()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 150*ms))
	t.Println("no fire")
	t2 := scheduler.NewTimeout(50*ms, nil)
	t2.Start()
	err := scheduler.Sleep(bg, 250*ms)
	if err == nil {
		t.Println("not reached")
	} else if errors.Is(err, scheduler.ErrTimeout) {
		t.Println("Timeout", py(errors.Is(err, t2)), "pending", py(t2.Pending()))
	} else {
		unexpected(t, "sleep", err)
	}
}

// timeoutContext: Python's `with Timeout(d) as t:` is StartTimeout plus
// `defer t.Cancel()` in a function that is the block.
func timeoutContext(t *crosscheck.T) {
	func() {
		to := startTimeout(t, 50*ms)
		defer to.Cancel()
		err := scheduler.Sleep(bg, 250*ms)
		if err == nil {
			t.Println("not reached")
			return
		}
		if errors.Is(err, scheduler.ErrTimeout) {
			t.Println("Timeout", py(errors.Is(err, to)))
		} else {
			unexpected(t, "sleep", err)
		}
	}()
	var to *scheduler.Timeout
	func() {
		to = startTimeout(t, 250*ms)
		defer to.Cancel()
		unexpected(t, "sleep", scheduler.Sleep(bg, 5*ms))
	}()
	t.Println("exited, pending", py(to.Pending()))
	unexpected(t, "sleep", scheduler.Sleep(bg, 350*ms))
	t.Println("no late fire")
}

// timeoutFalse: Python's Timeout(d, False) swallows its own expiry when the
// with-block ends. The Go equivalent is the block returning early when the
// error is this very Timeout (errors.Is(err, to)) and the caller dropping it.
func timeoutFalse(t *crosscheck.T) {
	func() {
		to := startTimeout(t, 50*ms)
		defer to.Cancel()
		err := scheduler.Sleep(bg, 250*ms)
		if errors.Is(err, to) {
			return
		}
		unexpected(t, "sleep", err)
		t.Println("not reached")
	}()
	t.Println("after block")
}

func timeoutCustomException(t *crosscheck.T) {
	func() {
		to := startTimeoutErr(t, 50*ms, errSlow)
		defer to.Cancel()
		if err := scheduler.Sleep(bg, 250*ms); errors.Is(err, errSlow) {
			t.Println("Slow", errSlow)
		} else {
			t.Println("sleep", errName(err))
		}
	}()
	// Python raises ValueError() (a class, so no args): an error with an
	// empty message in Go.
	func() {
		to := startTimeoutErr(t, 50*ms, errValueCls)
		defer to.Cancel()
		if err := scheduler.Sleep(bg, 250*ms); errors.Is(err, errValueCls) {
			t.Println("ValueError ()")
		} else {
			t.Println("sleep", errName(err))
		}
	}()
}

// timeoutNone: Python's Timeout(None) is a Timeout of -1.
func timeoutNone(t *crosscheck.T) {
	func() {
		to := startTimeout(t, -1)
		defer to.Cancel()
		unexpected(t, "sleep", scheduler.Sleep(bg, 100*ms))
		t.Println("pending", py(to.Pending()))
	}()
	t.Println("no fire")
	t2 := startTimeout(t, -1)
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	t.Println("pending", py(t2.Pending()))
	t2.Cancel()
}

func timeoutZero(t *crosscheck.T) {
	func() {
		to := startTimeout(t, 0)
		defer to.Cancel()
		t.Println("inside")
		if err := scheduler.Sleep(bg, 0); err != nil {
			t.Println(errName(err))
			return
		}
		t.Println("after sleep0")
		if err := scheduler.Sleep(bg, 50*ms); err != nil {
			t.Println(errName(err))
			return
		}
		t.Println("not reached")
	}()
	func() {
		to := startTimeout(t, 0)
		defer to.Cancel()
		t.Println("no block")
	}()
	t.Println("no fire without blocking")
}

func timeoutNested(t *crosscheck.T) {
	outer := scheduler.NewTimeout(250*ms, nil)
	inner := scheduler.NewTimeout(50*ms, nil)
	func() {
		outer.Start()
		defer outer.Cancel()
		err := func() error {
			inner.Start()
			defer inner.Cancel()
			if err := scheduler.Sleep(bg, 500*ms); errors.Is(err, scheduler.ErrTimeout) {
				t.Println("inner caught", which(err, inner))
			} else {
				return err
			}
			return scheduler.Sleep(bg, 500*ms)
		}()
		if errors.Is(err, scheduler.ErrTimeout) {
			t.Println("outer caught", which(err, inner))
		} else {
			unexpected(t, "nested", err)
		}
	}()

	outer = scheduler.NewTimeout(50*ms, nil)
	inner = scheduler.NewTimeout(250*ms, nil)
	func() {
		outer.Start()
		defer outer.Cancel()
		err := func() error {
			inner.Start()
			defer inner.Cancel()
			err := scheduler.Sleep(bg, 500*ms)
			if errors.Is(err, scheduler.ErrTimeout) && !errors.Is(err, inner) {
				t.Println("not mine, re-raise")
				return err
			}
			return err
		}()
		if errors.Is(err, scheduler.ErrTimeout) {
			t.Println("outer caught", which(err, inner))
		} else {
			unexpected(t, "nested", err)
		}
	}()
}

func timeoutCaughtContinue(t *crosscheck.T) {
	g := scheduler.Spawn(func() (string, error) {
		to := startTimeout(t, 50*ms)
		defer to.Cancel()
		if err := scheduler.Sleep(bg, 250*ms); errors.Is(err, to) {
			t.Println("caught")
		} else if err != nil {
			return "", err
		}
		if err := scheduler.Sleep(bg, 50*ms); err != nil {
			return "", err
		}
		t.Println("continues")
		return "done", nil
	})
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("value", v)
}

// timeoutRestart: Python's AssertionError on start() of a pending Timeout
// is an error from the Go Start.
func timeoutRestart(t *crosscheck.T) {
	to := scheduler.NewTimeout(50*ms, nil)
	for i := range 2 {
		unexpected(t, "start", to.Start())
		if err := scheduler.Sleep(bg, 250*ms); errors.Is(err, to) {
			t.Println("fired", i)
		}
	}
	unexpected(t, "start", to.Start())
	if err := to.Start(); err != nil {
		t.Println("start while pending: AssertionError")
	}
	to.Cancel()
	t.Println("pending", py(to.Pending()))
}

func timeoutOnGreenlet(t *crosscheck.T) {
	a := scheduler.Spawn(func() (none, error) {
		to := startTimeout(t, 50*ms)
		defer to.Cancel()
		err := scheduler.Sleep(bg, 250*ms)
		if errors.Is(err, to) {
			t.Println("a timed out")
			return none{}, nil
		}
		return none{}, err
	})
	b := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 150*ms); err != nil {
			return none{}, err
		}
		t.Println("b fine")
		return none{}, nil
	})
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{a, b}, 0)
	unexpected(t, "joinall", err)
}

func timeoutDuringJoin(t *crosscheck.T) {
	b := scheduler.Spawn(func() (none, error) {
		if err := scheduler.Sleep(bg, 150*ms); err != nil {
			return none{}, err
		}
		t.Println("g2 done")
		return none{}, nil
	})
	a := scheduler.Spawn(func() (none, error) {
		err := func() error {
			to := startTimeout(t, 50*ms)
			defer to.Cancel()
			if err := b.Join(bg); errors.Is(err, to) {
				t.Println("g1 timeout")
			} else if err != nil {
				return err
			}
			return nil
		}()
		if err != nil {
			return none{}, err
		}
		if err := scheduler.Sleep(bg, 250*ms); err != nil {
			return none{}, err
		}
		t.Println("g1 woke")
		return none{}, nil
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 200*ms))
	t.Println("main 40")
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{a, b}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "g1", a.Err())
	t.Println("done")
}

// timeoutLeaked: a Python Timeout.start_new never cancelled is a Go
// StartTimeout whose Cancel is never called.
func timeoutLeaked(t *crosscheck.T) {
	g := scheduler.Spawn(func() (string, error) {
		startTimeout(t, 50*ms)
		return "returned", nil
	})
	v, err := g.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
	if err := scheduler.Sleep(bg, 150*ms); err == nil {
		t.Println("main undisturbed")
	} else {
		t.Println("main got", errName(err))
	}
}

func timeoutEqualSleep(t *crosscheck.T) {
	f := func() (none, error) {
		to := startTimeout(t, 50*ms)
		defer to.Cancel()
		err := scheduler.Sleep(bg, 50*ms)
		switch {
		case err == nil:
			t.Println("sleep won")
		case errors.Is(err, to):
			t.Println("timeout won")
		default:
			return none{}, err
		}
		return none{}, nil
	}
	unexpected(t, "join", scheduler.Spawn(f).Join(bg))
	_, err := f()
	unexpected(t, "main", err)
}

// withTimeout: gevent's timeout_value has no Go keyword argument; the Go
// equivalent is substituting the fallback when the error is ErrTimeout.
func withTimeout(t *crosscheck.T) {
	slow := func() (string, error) {
		if err := scheduler.Sleep(bg, 250*ms); err != nil {
			return "", err
		}
		return "slow", nil
	}
	fast := func() (string, error) { return "fast", nil }
	v, err := scheduler.WithTimeout(50*ms, fast)
	unexpected(t, "with_timeout", err)
	t.Println("fast", v)
	if _, err := scheduler.WithTimeout(50*ms, slow); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("Timeout")
	} else {
		t.Println("with_timeout", errName(err))
	}
	v, err = scheduler.WithTimeout(50*ms, slow)
	if errors.Is(err, scheduler.ErrTimeout) {
		v = "fallback"
	} else {
		unexpected(t, "with_timeout", err)
	}
	t.Println("value", v)
}

// which names the Timeout an error is, the way the reference compares with `is`.
func which(err error, inner *scheduler.Timeout) string {
	if errors.Is(err, inner) {
		return "inner"
	}
	return "outer"
}
