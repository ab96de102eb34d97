package cev

import (
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	pointer "github.com/mattn/go-pointer"
	"github.com/stretchr/testify/require"
)

// BenchmarkTimerZeroRearm: a zero-delay timer re-armed from its own
// callback; ns/op is per timer event.
func BenchmarkTimerZeroRearm(b *testing.B) {
	l := newLoop(b)
	n := 0
	tm, err := l.NewTimer(0, 0, func(w *Timer, _ int) {
		n++
		if n < b.N {
			_ = w.Start()
		}
	})
	require.NoError(b, err)
	require.NoError(b, tm.Start())
	b.ResetTimer()
	_, err = l.Run(0)
	require.NoError(b, err)
}

// BenchmarkIdle: ns/op per idle activation.
func BenchmarkIdle(b *testing.B) {
	l := newLoop(b)
	n := 0
	id, err := l.NewIdle(func(w *Idle, _ int) {
		n++
		if n >= b.N {
			_ = w.Stop()
		}
	})
	require.NoError(b, err)
	require.NoError(b, id.Start())
	b.ResetTimer()
	_, err = l.Run(0)
	require.NoError(b, err)
}

// BenchmarkIOPingPong: one byte each way over a socketpair; ns/op per
// round trip.
func BenchmarkIOPingPong(b *testing.B) {
	l := newLoop(b)
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	require.NoError(b, err)
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	buf := []byte{0}
	n := 0
	ping, err := l.NewIO(fds[0], EV_READ, func(w *IO, _ int) {
		_, _ = syscall.Read(fds[0], buf)
		n++
		if n >= b.N {
			_ = w.Stop()
			return
		}
		_, _ = syscall.Write(fds[0], buf)
	})
	require.NoError(b, err)
	pong, err := l.NewIO(fds[1], EV_READ, func(w *IO, _ int) {
		_, _ = syscall.Read(fds[1], buf)
		_, _ = syscall.Write(fds[1], buf)
	})
	require.NoError(b, err)
	require.NoError(b, ping.Start())
	require.NoError(b, pong.Start())
	require.NoError(b, l.Unref()) // pong alone must not keep Run alive
	b.ResetTimer()
	_, err = syscall.Write(fds[0], buf)
	require.NoError(b, err)
	_, err = l.Run(0)
	require.NoError(b, err)
	b.StopTimer()
	require.NoError(b, l.Ref())
}

// BenchmarkAsyncSend: another goroutine sends b.N times; the loop runs
// until it has seen the last one. ns/op per Send (sends coalesce).
func BenchmarkAsyncSend(b *testing.B) {
	l := newLoop(b)
	var sent atomic.Int64
	as, err := l.NewAsync(func(w *Async, _ int) {
		if sent.Load() >= int64(b.N) {
			_ = w.Stop()
		}
	})
	require.NoError(b, err)
	require.NoError(b, as.Start())
	b.ResetTimer()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < b.N; i++ {
			sent.Add(1)
			_ = as.Send()
		}
	}()
	_, err = l.Run(0)
	require.NoError(b, err)
	<-done
}

// BenchmarkRunNoWait: one bare ev_run(EVRUN_NOWAIT) iteration through cgo
// with nothing to do: the floor of every hub iteration.
func BenchmarkRunNoWait(b *testing.B) {
	for _, be := range []struct {
		name string
		b    uint
	}{{"epoll", EVBACKEND_EPOLL}, {"poll", EVBACKEND_POLL}, {"select", EVBACKEND_SELECT}} {
		b.Run(be.name, func(b *testing.B) {
			l := newLoop(b, WithBackend(be.b))
			for i := 0; i < b.N; i++ {
				_, _ = l.Run(EVRUN_NOWAIT)
			}
		})
	}
}

var sinkRevents int

// BenchmarkDispatchSlotTable resolves a queued event to its callback
// through the loop's slot table, as Run does (ARCHITECTURE.md, The C
// boundary).
func BenchmarkDispatchSlotTable(b *testing.B) {
	l := newLoop(b)
	for i := 0; i < 64; i++ { // slots 0-63, which the loop below reads
		_, err := l.NewIdle(func(_ *Idle, revents int) { sinkRevents += revents })
		require.NoError(b, err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := l.slots[uint32(i&63)]
		w.fire(EV_IDLE)
	}
}

// BenchmarkDispatchGoPointer resolves the same callback through
// github.com/mattn/go-pointer's Restore, the alternative to the slot table.
func BenchmarkDispatchGoPointer(b *testing.B) {
	l := newLoop(b)
	var ptrs []unsafe.Pointer
	for i := 0; i < 64; i++ {
		w, err := l.NewIdle(func(_ *Idle, revents int) { sinkRevents += revents })
		require.NoError(b, err)
		p := pointer.Save(&w.watcher)
		defer pointer.Unref(p)
		ptrs = append(ptrs, p)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := pointer.Restore(ptrs[i&63]).(*watcher)
		w.fire(EV_IDLE)
	}
}

// BenchmarkGoPointerSaveUnref is what go-pointer would cost per watcher
// start/stop if C held the handle only while the watcher is active.
func BenchmarkGoPointerSaveUnref(b *testing.B) {
	l := newLoop(b)
	w, err := l.NewIdle(func(*Idle, int) {})
	require.NoError(b, err)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pointer.Unref(pointer.Save(&w.watcher))
	}
}

// BenchmarkNewTimerClose: creating and freeing a watcher (the hub makes one
// per sleep unless it reuses them with Set).
func BenchmarkNewTimerClose(b *testing.B) {
	l := newLoop(b)
	cb := func(*Timer, int) {}
	for i := 0; i < b.N; i++ {
		tm, _ := l.NewTimer(1, 0, cb)
		_ = tm.Close()
	}
}

// BenchmarkTimerSetStartStop: reusing one timer per sleep.
func BenchmarkTimerSetStartStop(b *testing.B) {
	l := newLoop(b)
	tm, err := l.NewTimer(1, 0, func(*Timer, int) {})
	require.NoError(b, err)
	for i := 0; i < b.N; i++ {
		_ = tm.Set(1, 0)
		_ = tm.Start()
		_ = tm.Stop()
	}
}

// BenchmarkCgoCall: the cheapest cgo call (ev_iteration), the floor under
// every Run; compare with BenchmarkRunNoWait.
func BenchmarkCgoCall(b *testing.B) {
	l := newLoop(b)
	for i := 0; i < b.N; i++ {
		_ = l.Iteration()
	}
}

// BenchmarkYieldBeforeWait: Run's check before a poll that would wait, the
// runtime's count of runnable goroutines (none here, so no Gosched); the
// other half of the check is one cgo call that returns at once.
func BenchmarkYieldBeforeWait(b *testing.B) {
	l := newLoop(b)
	for i := 0; i < b.N; i++ {
		l.yieldBeforeWait()
	}
}

// BenchmarkIOWaitPingPong is BenchmarkIOPingPong the way Hub.Wait drives
// io: each side stops its watcher when it fires and starts it again before
// the next poll. ns/op per round trip; it shows what the dead-fd check
// (cev_glue.h, "Dead fds") costs on that path.
func BenchmarkIOWaitPingPong(b *testing.B) {
	l := newLoop(b)
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	require.NoError(b, err)
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	buf := []byte{0}
	n := 0
	ping, err := l.NewIO(fds[0], EV_READ, func(w *IO, _ int) {
		_ = w.Stop()
		_, _ = syscall.Read(fds[0], buf)
		n++
		if n >= b.N {
			return
		}
		_, _ = syscall.Write(fds[0], buf)
		_ = w.Start()
	})
	require.NoError(b, err)
	pong, err := l.NewIO(fds[1], EV_READ, func(w *IO, _ int) {
		_ = w.Stop()
		_, _ = syscall.Read(fds[1], buf)
		_, _ = syscall.Write(fds[1], buf)
		_ = w.Start()
	})
	require.NoError(b, err)
	require.NoError(b, ping.Start())
	require.NoError(b, pong.Start())
	require.NoError(b, l.Unref())
	b.ResetTimer()
	_, err = syscall.Write(fds[0], buf)
	require.NoError(b, err)
	_, err = l.Run(0)
	require.NoError(b, err)
	b.StopTimer()
	require.NoError(b, l.Ref())
}

// BenchmarkIORestartRunNoWait: Stop, Start and one Run(EVRUN_NOWAIT) of an
// io watcher that is not ready, per op: the bookkeeping of the dead-fd
// check without the I/O around it.
func BenchmarkIORestartRunNoWait(b *testing.B) {
	l := newLoop(b)
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	require.NoError(b, err)
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	io, err := l.NewIO(fds[0], EV_READ, func(*IO, int) {})
	require.NoError(b, err)
	require.NoError(b, io.Start())
	b.ResetTimer()
	for range b.N {
		_ = io.Stop()
		_ = io.Start()
		_, _ = l.Run(EVRUN_NOWAIT)
	}
	b.StopTimer()
	require.NoError(b, io.Stop())
}
