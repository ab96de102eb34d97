package cev

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pipe(t testing.TB) (int, int) {
	t.Helper()
	var p [2]int
	require.NoError(t, syscall.Pipe2(p[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK))
	t.Cleanup(func() { syscall.Close(p[0]); syscall.Close(p[1]) })
	return p[0], p[1]
}

func TestIOReadWrite(t *testing.T) {
	l := newLoop(t)
	r, w := pipe(t)
	var got []byte
	rd, err := l.NewIO(r, EV_READ, func(io *IO, revents int) {
		assert.Equal(t, EV_READ, revents)
		buf := make([]byte, 16)
		n, _ := syscall.Read(io.FD(), buf)
		got = append(got, buf[:n]...)
		require.NoError(t, io.Stop())
	})
	require.NoError(t, err)
	wr, err := l.NewIO(w, EV_WRITE, func(io *IO, revents int) {
		assert.Equal(t, EV_WRITE, revents)
		_, err := syscall.Write(io.FD(), []byte("hi"))
		require.NoError(t, err)
		require.NoError(t, io.Stop())
	})
	require.NoError(t, err)
	assert.Equal(t, r, rd.FD())
	assert.Equal(t, EV_READ, rd.Events())
	require.NoError(t, rd.Start())
	require.NoError(t, wr.Start())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(got))

	require.NoError(t, rd.Set(w, EV_WRITE))
	require.NoError(t, rd.Start())
	assert.ErrorIs(t, rd.Set(r, EV_READ), ErrActive)
	require.NoError(t, rd.Stop())
}

func TestIOBadInput(t *testing.T) {
	l := newLoop(t)
	cb := func(*IO, int) {}
	_, err := l.NewIO(-1, EV_READ, cb)
	assert.ErrorIs(t, err, ErrBadFD)
	_, err = l.NewIO(0, EV_TIMER, cb)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = l.NewIO(0, 0, cb)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = l.NewIO(0, EV_READ, nil)
	assert.ErrorIs(t, err, ErrNilCallback)

	// An fd that is not open: Start refuses it instead of libev asserting.
	r, w := pipe(t)
	_ = w
	dup, err := syscall.Dup(r)
	require.NoError(t, err)
	require.NoError(t, syscall.Close(dup))
	io, err := l.NewIO(dup, EV_READ, cb)
	require.NoError(t, err)
	assert.ErrorIs(t, io.Start(), ErrBadFD)
	assert.False(t, io.IsActive())
}

func TestIOStopAfterFDClosed(t *testing.T) {
	for _, b := range []uint{EVBACKEND_SELECT, EVBACKEND_POLL, EVBACKEND_EPOLL} {
		l := newLoop(t, WithBackend(b))
		var p [2]int
		require.NoError(t, syscall.Pipe2(p[:], syscall.O_CLOEXEC))
		io, err := l.NewIO(p[0], EV_READ, func(*IO, int) {})
		require.NoError(t, err)
		require.NoError(t, io.Start())
		_, err = l.Run(EVRUN_NOWAIT) // the fd is now in the kernel's set
		require.NoError(t, err)
		require.NoError(t, syscall.Close(p[0]))
		require.NoError(t, syscall.Close(p[1]))
		require.NoError(t, io.Stop())
		_, err = l.Run(EVRUN_NOWAIT)
		require.NoError(t, err)
		require.NoError(t, l.Verify())
	}
}

func TestTimerBadInputAndAccessors(t *testing.T) {
	l := newLoop(t)
	cb := func(*Timer, int) {}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		_, err := l.NewTimer(bad, 0, cb)
		assert.ErrorIs(t, err, ErrInvalid)
		_, err = l.NewTimer(0, bad, cb)
		assert.ErrorIs(t, err, ErrInvalid)
	}
	_, err := l.NewTimer(0, 0, nil)
	assert.ErrorIs(t, err, ErrNilCallback)

	tm, err := l.NewTimer(5, 2, cb)
	require.NoError(t, err)
	assert.Equal(t, 2.0, tm.Repeat())
	require.NoError(t, tm.Start())
	assert.InDelta(t, 5, tm.Remaining(), 0.1)
	assert.ErrorIs(t, tm.Set(1, 0), ErrActive)
	require.NoError(t, tm.SetRepeat(3))
	assert.ErrorIs(t, tm.SetRepeat(-3), ErrInvalid)
	require.NoError(t, tm.Again()) // restarts with repeat 3
	assert.InDelta(t, 3, tm.Remaining(), 0.1)
	require.NoError(t, tm.SetRepeat(0))
	require.NoError(t, tm.Again()) // repeat 0: Again stops it
	assert.False(t, tm.IsActive())
	assert.ErrorIs(t, tm.Set(-1, 0), ErrInvalid)
}

// The generation guard: a timer stopped by an earlier callback of the
// same batch must not fire.
func TestStoppedInSameBatchDoesNotFire(t *testing.T) {
	l := newLoop(t)
	var trace []string
	var second *Timer
	first, err := l.NewTimer(0, 0, func(*Timer, int) {
		trace = append(trace, "first")
		assert.True(t, second.IsPending())
		require.NoError(t, second.Stop())
		assert.False(t, second.IsPending())
	})
	require.NoError(t, err)
	second, err = l.NewTimer(0, 0, func(*Timer, int) { trace = append(trace, "second") })
	require.NoError(t, err)
	require.NoError(t, first.SetPriority(1)) // runs before second
	require.NoError(t, first.Start())
	require.NoError(t, second.Start())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, []string{"first"}, trace)

	// ClearPending from an earlier callback has the same effect.
	trace = nil
	first2, err := l.NewTimer(0, 0, func(*Timer, int) {
		trace = append(trace, "first")
		assert.Equal(t, EV_TIMER, second.ClearPending())
	})
	require.NoError(t, err)
	require.NoError(t, first2.SetPriority(1))
	require.NoError(t, first2.Start())
	require.NoError(t, second.Start())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, []string{"first"}, trace)
}

func TestPriorityOrder(t *testing.T) {
	l := newLoop(t)
	var order []int
	for _, pri := range []int{0, -2, 2, 1, -1} {
		pri := pri
		tm, err := l.NewTimer(0, 0, func(w *Timer, _ int) { order = append(order, w.Priority()) })
		require.NoError(t, err)
		require.NoError(t, tm.SetPriority(pri))
		assert.Equal(t, pri, tm.Priority())
		require.NoError(t, tm.Start())
		assert.ErrorIs(t, tm.SetPriority(0), ErrActive)
	}
	_, err := l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, []int{2, 1, 0, -1, -2}, order)
	tm, err := l.NewTimer(0, 0, func(*Timer, int) {})
	require.NoError(t, err)
	assert.ErrorIs(t, tm.SetPriority(3), ErrInvalid)
	assert.ErrorIs(t, tm.SetPriority(-3), ErrInvalid)
}

func TestInvoke(t *testing.T) {
	l := newLoop(t)
	var got int
	id, err := l.NewIdle(func(_ *Idle, revents int) { got = revents })
	require.NoError(t, err)
	require.NoError(t, id.Invoke(EV_CUSTOM))
	assert.Equal(t, EV_CUSTOM, got)
	assert.Same(t, l, id.Loop())
}

func TestPeriodic(t *testing.T) {
	l := newLoop(t)
	n := 0
	p, err := l.NewPeriodic(0, 0.001, func(w *Periodic, revents int) {
		assert.Equal(t, EV_PERIODIC, revents)
		n++
		if n == 3 {
			require.NoError(t, w.Stop())
		}
	})
	require.NoError(t, err)
	assert.Equal(t, 0.001, p.Interval())
	assert.Equal(t, 0.0, p.Offset())
	require.NoError(t, p.Start())
	assert.Greater(t, p.At(), l.Now()-0.001)
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	// Absolute mode: fires once at offset.
	fired := false
	abs, err := l.NewPeriodic(Time()+0.002, 0, func(*Periodic, int) { fired = true })
	require.NoError(t, err)
	require.NoError(t, abs.Start())
	assert.ErrorIs(t, abs.Set(0, 1), ErrActive)
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.True(t, fired)
	require.NoError(t, abs.Set(Time()+0.001, 0))
	require.NoError(t, abs.Again())
	assert.True(t, abs.IsActive())
	require.NoError(t, abs.Stop())

	_, err = l.NewPeriodic(math.NaN(), 0, func(*Periodic, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = l.NewPeriodic(0, -1, func(*Periodic, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
}

// Idle watchers run only when nothing of their priority or higher is
// pending: a busy repeating timer locks out a lower idle at its priority.
func TestIdleLockout(t *testing.T) {
	l := newLoop(t)
	var trace []string
	idle, err := l.NewIdle(func(w *Idle, revents int) {
		assert.Equal(t, EV_IDLE, revents)
		trace = append(trace, "idle")
		require.NoError(t, w.Stop())
	})
	require.NoError(t, err)
	n := 0
	tm, err := l.NewTimer(0, 0, func(w *Timer, _ int) {
		trace = append(trace, "timer")
		n++
		if n < 3 {
			require.NoError(t, w.Start()) // zero-delay: pending every iteration
		}
	})
	require.NoError(t, err)
	require.NoError(t, idle.Start())
	require.NoError(t, tm.Start())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, []string{"timer", "timer", "timer", "idle"}, trace)
}

// Prepare runs before the poll, check after it; a timer started from a
// prepare callback is part of the same iteration's poll. Check watchers
// are queued last, so they run before other watchers of their priority
// (ev.pod, EV_CHECK).
func TestPrepareCheckPlacement(t *testing.T) {
	l := newLoop(t)
	var trace []string
	var zt *Timer
	zt, err := l.NewTimer(0, 0, func(*Timer, int) { trace = append(trace, "timer") })
	require.NoError(t, err)
	prep, err := l.NewPrepare(func(w *Prepare, revents int) {
		assert.Equal(t, EV_PREPARE, revents)
		trace = append(trace, "prepare")
		require.NoError(t, zt.Start())
	})
	require.NoError(t, err)
	chk, err := l.NewCheck(func(w *Check, revents int) {
		assert.Equal(t, EV_CHECK, revents)
		trace = append(trace, "check")
	})
	require.NoError(t, err)
	require.NoError(t, prep.Start())
	require.NoError(t, chk.Start())
	it := l.Iteration()
	_, err = l.Run(EVRUN_ONCE)
	require.NoError(t, err)
	assert.Equal(t, it+1, l.Iteration())
	assert.Equal(t, []string{"prepare", "check", "timer"}, trace)

	// Break from a prepare callback ends Run before the poll.
	trace = nil
	require.NoError(t, prep.Stop())
	brk, err := l.NewPrepare(func(*Prepare, int) {
		trace = append(trace, "prepare")
		require.NoError(t, l.Break(EVBREAK_ONE))
	})
	require.NoError(t, err)
	require.NoError(t, brk.Start())
	it = l.Iteration()
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, it, l.Iteration())
	assert.Equal(t, []string{"prepare"}, trace)
}

func TestAsyncManyGoroutines(t *testing.T) {
	l := newLoop(t)
	var mu sync.Mutex
	sent := 0
	seen := 0
	calls := 0
	const G, N = 8, 200
	as, err := l.NewAsync(func(w *Async, revents int) {
		assert.Equal(t, EV_ASYNC, revents)
		calls++
		mu.Lock()
		seen = sent
		mu.Unlock()
		if seen == G*N {
			require.NoError(t, w.Stop())
		}
	})
	require.NoError(t, err)
	require.NoError(t, as.Start())
	var wg sync.WaitGroup
	for g := 0; g < G; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < N; i++ {
				mu.Lock()
				sent++
				mu.Unlock()
				assert.NoError(t, as.Send())
			}
		}()
	}
	// Every Send after the last callback read is seen by a later
	// callback: the loop ends only when all G*N were observed.
	_, err = l.Run(0)
	require.NoError(t, err)
	wg.Wait()
	assert.Equal(t, G*N, seen)
	assert.LessOrEqual(t, calls, G*N)
	// No AsyncPending check: the last Send may land after the callback that
	// saw the final count stopped the watcher, leaving the flag set.
}

func TestAsyncSendRacesDestroy(t *testing.T) {
	l, err := NewLoop()
	require.NoError(t, err)
	as, err := l.NewAsync(func(*Async, int) {})
	require.NoError(t, err)
	require.NoError(t, as.Start())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for as.Send() == nil {
		}
	}()
	time.Sleep(time.Millisecond)
	require.NoError(t, l.Destroy())
	<-done
}

func TestStat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	for _, flags := range []uint{0, EVFLAG_NOINOTIFY} {
		l := newLoop(t, WithFlags(flags))
		var w *Stat
		changed := 0
		w, err := l.NewStat(path, 0.01, func(s *Stat, revents int) {
			assert.Equal(t, EV_STAT, revents)
			changed++
			require.NoError(t, s.Stop())
		})
		require.NoError(t, err)
		require.NoError(t, w.Start())
		assert.Zero(t, w.Attr().Nlink, "path does not exist yet")
		kick, err := l.NewTimer(0.02, 0, func(*Timer, int) {
			require.NoError(t, os.WriteFile(path, []byte("hello"), 0o600))
		})
		require.NoError(t, err)
		require.NoError(t, kick.Start())
		_, err = l.Run(0)
		require.NoError(t, err)
		assert.Equal(t, 1, changed)
		assert.Equal(t, int64(5), w.Attr().Size)
		assert.Equal(t, uint64(1), w.Attr().Nlink)
		assert.Zero(t, w.Prev().Nlink)
		assert.Greater(t, w.Interval(), 0.0)
		require.NoError(t, w.Stat())
		require.NoError(t, w.Set(path+"x", 0))
		require.NoError(t, os.Remove(path))
	}
	l := newLoop(t)
	_, err := l.NewStat("", 0, func(*Stat, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = l.NewStat("a\x00b", 0, func(*Stat, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = l.NewStat("a", -1, func(*Stat, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestForkWatcher(t *testing.T) {
	l := newLoop(t)
	var trace []string
	f, err := l.NewFork(func(_ *Fork, revents int) {
		assert.Equal(t, EV_FORK, revents)
		trace = append(trace, "fork")
	})
	require.NoError(t, err)
	p, err := l.NewPrepare(func(*Prepare, int) { trace = append(trace, "prepare") })
	require.NoError(t, err)
	require.NoError(t, f.Start())
	require.NoError(t, p.Start())
	l.Unref()
	l.Unref()
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	require.NoError(t, l.Fork())
	_, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.Equal(t, []string{"prepare", "fork", "prepare"}, trace)
	l.Ref()
	l.Ref()
}

// Regression: cev counted a started cleanup watcher as active, though libev
// does not (ev_cleanup_start unrefs the loop); ev_run's return put the count
// right, and the cleanup's Stop then took one off too many, so a loop whose io
// watcher still waited reported ActiveCount 0 and Run reported it dead (a hub
// would throw LoopExit into the greenlet waiting on that socket).
func TestCleanupNeverCounts(t *testing.T) {
	l := newLoop(t)
	tm, err := l.NewTimer(100, 0, func(*Timer, int) {})
	require.NoError(t, err)
	require.NoError(t, tm.Start())
	c, err := l.NewCleanup(func(*Cleanup, int) {})
	require.NoError(t, err)
	require.NoError(t, c.Start())
	assert.Equal(t, 1, l.ActiveCount(), "a started cleanup watcher counted")
	alive, err := l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.True(t, alive)
	require.NoError(t, c.Stop())
	assert.Equal(t, 1, l.ActiveCount(), "a stopped cleanup watcher took the timer's count off")
	alive, err = l.Run(EVRUN_NOWAIT)
	require.NoError(t, err)
	assert.True(t, alive, "the timer keeps the loop alive")
	if Embedded {
		assert.Equal(t, realActivecnt(l), l.ActiveCount())
	}
	require.NoError(t, tm.Stop())
	assert.Equal(t, 0, l.ActiveCount())
}

func TestCleanupRunsOnDestroy(t *testing.T) {
	l, err := NewLoop()
	require.NoError(t, err)
	ran := 0
	var tm, stopped *Timer
	c, err := l.NewCleanup(func(w *Cleanup, revents int) {
		assert.Equal(t, EV_CLEANUP, revents)
		ran++
		assert.ErrorIs(t, w.Loop().UpdateNow(), ErrClosed)
		// ev_loop_destroy invokes cleanup watchers while every watcher is
		// still active.
		assert.True(t, w.IsActive(), "the cleanup watcher is active in its callback")
		assert.True(t, tm.IsActive(), "so is a timer left running")
		assert.False(t, stopped.IsActive(), "a stopped watcher stays inactive")
	})
	require.NoError(t, err)
	require.NoError(t, c.Start())
	tm, err = l.NewTimer(100, 0, func(*Timer, int) {})
	require.NoError(t, err)
	stopped, err = l.NewTimer(100, 0, func(*Timer, int) {})
	require.NoError(t, err)
	// libev never counts cleanup watchers as keeping the loop alive.
	active, err := l.Run(0)
	require.NoError(t, err)
	assert.False(t, active)
	require.NoError(t, tm.Start())
	require.NoError(t, l.Destroy())
	assert.Equal(t, 1, ran)
	assert.False(t, c.IsActive(), "after Destroy nothing is active")
	assert.False(t, tm.IsActive())
}

func TestSignalWatcher(t *testing.T) {
	l := newLoop(t)
	got := 0
	var s2got int
	s, err := l.NewSignal(syscall.SIGUSR1, func(w *Signal, revents int) {
		assert.Equal(t, EV_SIGNAL, revents)
		assert.Equal(t, syscall.SIGUSR1, w.Signum())
		got++
		require.NoError(t, w.Stop())
	})
	require.NoError(t, err)
	s2, err := l.NewSignal(syscall.SIGUSR1, func(w *Signal, revents int) {
		s2got++
		require.NoError(t, w.Stop())
	})
	require.NoError(t, err)
	require.NoError(t, s.Start())
	require.NoError(t, s2.Start())
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	_, err = l.Run(0) // both watchers keep the loop alive until they stop
	require.NoError(t, err)
	assert.Equal(t, 1, got)
	assert.Equal(t, 1, s2got)

	_, err = l.NewSignal(syscall.SIGKILL, func(*Signal, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = l.NewSignal(0, func(*Signal, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestChildWatcherAndOSExec(t *testing.T) {
	l := newLoop(t)
	proc, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 3"}, &os.ProcAttr{})
	require.NoError(t, err)
	defer proc.Release()
	var status syscall.WaitStatus
	var rpid int
	c, err := l.NewChild(proc.Pid, func(w *Child, revents int) {
		assert.Equal(t, EV_CHILD, revents)
		status = w.Rstatus()
		rpid = w.Rpid()
		require.NoError(t, w.Stop())
	})
	require.NoError(t, err)
	assert.Equal(t, proc.Pid, c.Pid())
	require.NoError(t, c.Start())
	// os/exec works in the same process, before and while the watcher runs.
	out, err := exec.Command("/bin/echo", "ok").Output()
	require.NoError(t, err)
	assert.Equal(t, "ok\n", string(out))
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, proc.Pid, rpid)
	assert.True(t, status.Exited())
	assert.Equal(t, 3, status.ExitStatus())
	require.NoError(t, exec.Command("/bin/true").Run())

	_, err = l.NewChild(0, func(*Child, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
	gone, err := l.NewChild(proc.Pid, func(*Child, int) {})
	require.NoError(t, err)
	assert.ErrorIs(t, gone.Start(), syscall.ESRCH)
}

func TestDestroyFreesActiveWatchers(t *testing.T) {
	l, err := NewLoop()
	require.NoError(t, err)
	r, w := pipe(t)
	_ = w
	var ws []Watcher
	io, _ := l.NewIO(r, EV_READ, func(*IO, int) {})
	tm, _ := l.NewTimer(10, 0, func(*Timer, int) {})
	id, _ := l.NewIdle(func(*Idle, int) {})
	sg, _ := l.NewSignal(syscall.SIGUSR2, func(*Signal, int) {})
	as, _ := l.NewAsync(func(*Async, int) {})
	ws = append(ws, io, tm, id, sg, as)
	for _, x := range ws {
		require.NoError(t, x.Start())
	}
	require.NoError(t, l.FeedEvent(tm, EV_CUSTOM))
	require.NoError(t, l.Destroy())
	for _, x := range ws {
		assert.False(t, x.IsActive())
		assert.ErrorIs(t, x.Stop(), ErrClosed)
	}
}

// Every started Child of the loop on a pid gets its status, as libev's child_reap reports to
// each ev_child of the pid (the second watcher's waitpid found the child reaped and it waited
// for good).
func TestChildWatchersOfOnePidAllReport(t *testing.T) {
	l := newLoop(t)
	proc, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 3"}, &os.ProcAttr{})
	require.NoError(t, err)
	defer proc.Release()
	var statuses []int
	report := func(w *Child, revents int) {
		assert.Equal(t, EV_CHILD, revents)
		assert.Equal(t, proc.Pid, w.Rpid())
		statuses = append(statuses, w.Rstatus().ExitStatus())
		require.NoError(t, w.Stop())
	}
	for range 2 {
		c, err := l.NewChild(proc.Pid, report)
		require.NoError(t, err)
		require.NoError(t, c.Start())
	}
	hang, err := l.NewTimer(10, 0, func(*Timer, int) { t.Error("a Child was never reported") })
	require.NoError(t, err)
	require.NoError(t, hang.Start())
	require.NoError(t, l.Unref()) // the timer is a hang detector only: the Children keep the loop alive
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, []int{3, 3}, statuses)
}

// A Child whose process someone else reaped gets EV_CHILD|EV_ERROR and is stopped, as libev
// stops a watcher it reports an error to; it used to stay active and keep the loop waiting.
func TestChildReapedElsewhereReportsError(t *testing.T) {
	l := newLoop(t)
	proc, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	require.NoError(t, err)
	defer proc.Release()
	var got int
	c, err := l.NewChild(proc.Pid, func(w *Child, revents int) {
		got = revents
		assert.Zero(t, w.Rpid())
	})
	require.NoError(t, err)
	require.NoError(t, c.Start())
	var ws syscall.WaitStatus
	_, err = syscall.Wait4(proc.Pid, &ws, 0, nil) // reaped under the watcher
	require.NoError(t, err)
	hang, err := l.NewTimer(10, 0, func(*Timer, int) { assert.NoError(t, l.Break(EVBREAK_ALL)) })
	require.NoError(t, err)
	require.NoError(t, hang.Start())
	require.NoError(t, l.Unref())
	_, err = l.Run(0)
	require.NoError(t, err)
	assert.Equal(t, EV_CHILD|EV_ERROR, got)
	assert.False(t, c.IsActive())
}

// Close releases a Signal watcher: the loop's index of its Signals kept every one ever made,
// with its callback, until Destroy.
func TestSignalCloseReleasesIt(t *testing.T) {
	l := newLoop(t)
	for range 100 {
		s, err := l.NewSignal(syscall.SIGUSR2, func(*Signal, int) {})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		require.NoError(t, s.Close())
	}
	assert.Zero(t, l.WatcherCount())
	assert.Empty(t, l.sig.owner, "closed Signal watchers are still referenced by the loop")
}

// A repeating periodic's offset far beyond the current time is refused: libev's recalculation
// steps interval by interval through the rounding error of offset + N*interval, and Start with
// offset 3e22 and interval 1e-3 took about a second, with 1e30 more than a minute.
func TestPeriodicHugeOffsetIsRefused(t *testing.T) {
	l := newLoop(t)
	_, err := l.NewPeriodic(3e22, 1e-3, func(*Periodic, int) {})
	assert.ErrorIs(t, err, ErrInvalid)
	p, err := l.NewPeriodic(0, 1e-3, func(*Periodic, int) {})
	require.NoError(t, err)
	assert.ErrorIs(t, p.Set(-1e30, 1), ErrInvalid)
	require.NoError(t, p.Set(1e30, 0), "an absolute time (interval 0) has no such limit")
	require.NoError(t, p.Close())
}

// A cleanup callback that escapes Destroy (a panic, or runtime.Goexit, as
// t.FailNow calls) ends the cleanups but not the destruction: every
// watcher and the loop are freed before the escape goes on, and a second
// Destroy returns ErrClosed. Before, the escape unwound past the frees: the
// watchers' and the loop's C memory leaked, and the watchers stayed
// active for good.
func TestDestroyFreesAllWhenACleanupEscapes(t *testing.T) {
	for _, goexit := range []bool{false, true} {
		name := "panic"
		if goexit {
			name = "Goexit"
		}
		t.Run(name, func(t *testing.T) {
			l, err := NewLoop()
			require.NoError(t, err)
			ran := 0
			var ws []*watcher
			for range 2 {
				c, err := l.NewCleanup(func(*Cleanup, int) {
					ran++
					if goexit {
						runtime.Goexit()
					}
					panic("cleanup boom")
				})
				require.NoError(t, err)
				require.NoError(t, c.Start())
				ws = append(ws, &c.watcher)
			}
			tm, err := l.NewTimer(100, 0, func(*Timer, int) {})
			require.NoError(t, err)
			require.NoError(t, tm.Start())
			idle, err := l.NewIdle(func(*Idle, int) {})
			require.NoError(t, err)
			ws = append(ws, &tm.watcher, &idle.watcher)

			escaped := make(chan any, 1)
			done := make(chan struct{})
			go func() {
				defer close(done)
				defer func() { escaped <- recover() }()
				_ = l.Destroy()
				escaped <- "Destroy returned"
			}()
			<-done
			if goexit {
				assert.Nil(t, <-escaped, "the Goexit went on")
			} else {
				assert.Equal(t, "cleanup boom", <-escaped)
			}
			assert.Equal(t, 1, ran, "the escape ends the cleanups")
			assert.True(t, l.c == nil, "the loop is freed")
			for i, w := range ws {
				assert.True(t, w.c == nil, "watcher %d is freed", i)
				assert.True(t, w.closed, "watcher %d is closed", i)
			}
			for i, s := range l.slots {
				assert.True(t, s == nil, "slot %d is emptied", i)
			}
			assert.False(t, tm.IsActive(), "after Destroy nothing is active")
			assert.ErrorIs(t, l.Destroy(), ErrClosed)
		})
	}
}
