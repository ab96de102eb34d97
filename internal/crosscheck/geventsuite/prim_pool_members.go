package geventsuite

import (
	"context"
	"errors"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("prim_pool_killone", primPoolKillone)
	register("prim_pool_start", primPoolStart)
	register("prim_pool_wait_available", primPoolWaitAvailable)
}

// killable sleeps until killed and prints "killed n" for a GreenletExit.
func killable(t *crosscheck.T, n string) func() (none, error) {
	return func() (none, error) {
		err := scheduler.Sleep(bg, 10000*ms)
		if errors.Is(err, scheduler.ErrGreenletExit) {
			t.Println("killed", n)
		}
		return none{}, err
	}
}

// catchesKill catches the kill and finishes 50ms later.
func catchesKill(t *crosscheck.T) func() (none, error) {
	return func() (none, error) {
		if err := scheduler.Sleep(bg, 10000*ms); errors.Is(err, scheduler.ErrGreenletExit) {
			t.Println("caught")
		}
		if err := scheduler.Sleep(bg, 50*ms); err != nil {
			return none{}, err
		}
		t.Println("stubborn done")
		return none{}, nil
	}
}

func primPoolKillone(t *crosscheck.T) {
	g := pool.NewGroup()
	a, err := pool.Spawn(bg, g, killable(t, "a"))
	unexpected(t, "spawn", err)
	b, err := pool.Spawn(bg, g, killable(t, "b"))
	unexpected(t, "spawn", err)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killone", g.KillOne(bg, a, nil))
	t.Println("a dead", py(a.Dead()), "len", g.Len(), "a in g", py(g.Contains(a)))
	unexpected(t, "killone", g.KillOne(bg, a, nil))
	t.Println("again len", g.Len())
	outsider := scheduler.Spawn(killable(t, "outsider"))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killone", g.KillOne(bg, outsider, nil))
	t.Println("outsider dead", py(outsider.Dead()))
	unexpected(t, "killone", g.KillOneAsync(b, nil))
	t.Println("b dead", py(b.Dead()), "len", g.Len())
	unexpected(t, "join", b.Join(bg))
	t.Println("b dead", py(b.Dead()), "len", g.Len())
	unexpected(t, "kill", outsider.Kill(bg, nil))
	c, err := pool.Spawn(bg, g, killable(t, "c"))
	unexpected(t, "spawn", err)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	unexpected(t, "killone", g.KillOne(bg, c, errStop))
	t.Println("c", py(c.Dead()), py(c.Successful()), pyNone(c.Err()))
	s, err := pool.Spawn(bg, g, catchesKill(t))
	unexpected(t, "spawn", err)
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	// gevent's killone(timeout=) returns quietly when the time is up.
	_, err = waitOK(g.KillOne(within(5*ms), s, nil))
	unexpected(t, "killone", err)
	t.Println("after timeout", py(s.Dead()), py(g.Contains(s)))
	unexpected(t, "join", s.Join(bg))
	t.Println("after join", py(s.Dead()), py(g.Contains(s)), g.Len())
}

func primPoolStart(t *crosscheck.T) {
	job := func(n string) *scheduler.Greenlet[string] {
		return scheduler.New(func() (string, error) {
			t.Println("run", n)
			if err := scheduler.Sleep(bg, 2*ms); err != nil {
				return "", err
			}
			t.Println("done", n)
			return n, nil
		})
	}
	g := pool.NewGroup()
	x := job("x")
	t.Println("before", py(g.Contains(x)), py(x.Started()))
	unexpected(t, "start", g.Start(x))
	t.Println("started", py(g.Contains(x)), py(x.Started()), g.Len())
	unexpected(t, "join", g.Join(bg))
	t.Println("joined", x.Value(), g.Len())
	p := mustPool(t, 1)
	y, z, w := job("y"), job("z"), job("w")
	unexpected(t, "start", p.Start(bg, y))
	t.Println("y", py(p.Contains(y)), "full", py(p.Full()))
	if err := p.TryStart(w); errors.Is(err, pool.ErrPoolFull) {
		t.Println("PoolFull", py(p.Contains(w)), py(w.Started()))
	} else {
		t.Println("TryStart", pyNone(err))
	}
	unexpected(t, "start", p.Start(bg, z))
	t.Println("z", py(p.Contains(z)), "y dead", py(y.Dead()))
	unexpected(t, "join", p.Join(bg))
	t.Println("len", p.Len(), "free", p.FreeCount())
}

// waitAvailable is gevent's wait_available(timeout=): the count, also when
// the time limit expired first (0 then, where Go reports ErrTimeout).
func waitAvailable(t *crosscheck.T, g interface {
	WaitAvailable(context.Context) (int, error)
}, ctx context.Context) int {
	n, err := g.WaitAvailable(ctx)
	if _, err := waitOK(err); err != nil {
		t.Println("UNEXPECTED wait_available:", err)
	}
	return n
}

func primPoolWaitAvailable(t *crosscheck.T) {
	sleeper := func(d time.Duration) func() (none, error) {
		return func() (none, error) { return none{}, scheduler.Sleep(bg, d) }
	}
	p := mustPool(t, 2)
	t.Println("free", p.FreeCount(), "wait", waitAvailable(t, p, bg))
	_, err := pool.Spawn(bg, p, sleeper(20*ms))
	unexpected(t, "spawn", err)
	t.Println("free", p.FreeCount(), "wait", waitAvailable(t, p, bg))
	_, err = pool.Spawn(bg, p, sleeper(200*ms))
	unexpected(t, "spawn", err)
	t.Println("free", p.FreeCount(), "full", py(p.Full()))
	t.Println("wait timeout", waitAvailable(t, p, within(ms)))
	n := waitAvailable(t, p, bg)
	t.Println("wait", n, "len", p.Len(), "free", p.FreeCount())
	unexpected(t, "join", p.Join(bg))
	t.Println("free", p.FreeCount())
	var u pool.Pool
	for range 3 {
		_, err := pool.Spawn(bg, &u, sleeper(0))
		unexpected(t, "spawn", err)
	}
	n = waitAvailable(t, &u, bg)
	t.Println("unbounded free", u.FreeCount(), "wait", n, "full", py(u.Full()), "len", u.Len())
	unexpected(t, "join", u.Join(bg))
	z := mustPool(t, 0)
	t.Println("zero free", z.FreeCount(), "full", py(z.Full()), "wait", waitAvailable(t, z, within(ms)))
	g := pool.NewGroup()
	_, err = pool.Spawn(bg, g, sleeper(0))
	unexpected(t, "spawn", err)
	t.Println("group full", py(g.Full()))
	unexpected(t, "join", g.Join(bg))
}
