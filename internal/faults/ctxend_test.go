package faults

import (
	"context"
	"errors"
	"iter"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/fileobject"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
	"github.com/geventgo/geventgo/subprocess"
	"github.com/geventgo/geventgo/threadpool"
)

// ctxEndCall is one exported call that waits under a context, for TestContextEndNamesTheCall.
type ctxEndCall struct {
	name string // the call, as the test names it
	// typ is the package's error type (a pointer to a struct with an Op or Syscall field) and op
	// the name its error gives the call.
	typ reflect.Type
	op  string
	// killWrapped: the package wraps every error of the wait in its own (queue, pool,
	// threadpool, resolver, subprocess, fileobject, server), kills included; elsewhere a
	// kill's error comes back as it is.
	killWrapped bool
	// setup readies the call on hub h and returns it (call blocks until ctx ends) and what
	// releases what it holds afterwards (nil: nothing).
	setup func(t *testing.T, h *scheduler.Hub) (call func(ctx context.Context) error, cleanup func())
}

func typeOf[E any]() reflect.Type { return reflect.TypeFor[*E]() }

// sleeper is a greenlet that sleeps an hour, for the calls that wait for one.
func sleeper() *scheduler.Greenlet[struct{}] {
	return scheduler.Go(func() error { return scheduler.Sleep(bg, time.Hour) })
}

// stubborn is a greenlet that survives every kill until stop is closed, for the calls that
// wait for a kill to end a greenlet.
func stubborn() (*scheduler.Greenlet[struct{}], func()) {
	stop := false
	g := scheduler.Go(func() error {
		for !stop {
			_ = scheduler.Sleep(bg, time.Millisecond)
		}
		return nil
	})
	_ = scheduler.Sleep(bg, 0) // g runs: a kill reaches it
	return g, func() { stop = true; _ = g.Join(bg) }
}

// heldPool is a threadpool of one worker held by a function until the returned release runs.
func heldPool(t *testing.T) (*threadpool.ThreadPool, func()) {
	p, err := threadpool.New(1)
	require.NoError(t, err)
	hold := make(chan struct{})
	threadpool.Spawn(p, func() (int, error) { <-hold; return 0, nil })
	return p, func() { close(hold); require.NoError(t, p.Close()) }
}

func noCleanup() {}

var schedulerCtxCalls = []ctxEndCall{
	{"Sleep", typeOf[scheduler.Error](), "Sleep", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		return func(ctx context.Context) error { return scheduler.Sleep(ctx, time.Hour) }, noCleanup
	}},
	{"SleepUnref", typeOf[scheduler.Error](), "SleepUnref", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g := sleeper() // keeps the loop alive, as SleepUnref does not
		return func(ctx context.Context) error { return scheduler.SleepUnref(ctx, time.Hour) }, func() { _ = g.Kill(bg, nil) }
	}},
	{"Waiter.Get", typeOf[scheduler.Error](), "Waiter.Get", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		return func(ctx context.Context) error { _, err := scheduler.NewWaiter("w").Get(ctx); return err }, noCleanup
	}},
	{"Hub.Wait", typeOf[scheduler.Error](), "Hub.Wait", false, func(t *testing.T, h *scheduler.Hub) (func(context.Context) error, func()) {
		k := scheduler.NewWaker()
		tw, err := h.Loop().NewTimer(3600, 0, func(_ *cev.Timer, rev int) { k.Fire(rev) })
		require.NoError(t, err)
		return func(ctx context.Context) error { _, err := h.Wait(ctx, tw, k, "timer"); return err }, func() { _ = tw.Close() }
	}},
	{"Hub.Join", typeOf[scheduler.Error](), "Hub.Join", false, func(t *testing.T, h *scheduler.Hub) (func(context.Context) error, func()) {
		g := sleeper()
		return func(ctx context.Context) error { return h.Join(ctx) }, func() { _ = g.Kill(bg, nil) }
	}},
	{"Greenlet.Join", typeOf[scheduler.Error](), "Greenlet.Join", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g := sleeper()
		return g.Join, func() { _ = g.Kill(bg, nil) }
	}},
	{"Greenlet.Get", typeOf[scheduler.Error](), "Greenlet.Get", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g := sleeper()
		return func(ctx context.Context) error { _, err := g.Get(ctx); return err }, func() { _ = g.Kill(bg, nil) }
	}},
	{"Greenlet.Kill", typeOf[scheduler.Error](), "Greenlet.Kill", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g, stop := stubborn()
		return func(ctx context.Context) error { return g.Kill(ctx, nil) }, stop
	}},
	{"Wait", typeOf[scheduler.Error](), "Wait", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g := sleeper()
		return func(ctx context.Context) error {
			_, err := scheduler.Wait(ctx, []*scheduler.Greenlet[struct{}]{g}, 0)
			return err
		}, func() { _ = g.Kill(bg, nil) }
	}},
	{"IWait", typeOf[scheduler.Error](), "IWait", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g := sleeper()
		return func(ctx context.Context) error {
			for _, err := range scheduler.IWait(ctx, []*scheduler.Greenlet[struct{}]{g}, 0) {
				return err
			}
			return nil
		}, func() { _ = g.Kill(bg, nil) }
	}},
	{"JoinAll", typeOf[scheduler.Error](), "JoinAll", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g := sleeper()
		return func(ctx context.Context) error {
			_, err := scheduler.JoinAll(ctx, []*scheduler.Greenlet[struct{}]{g})
			return err
		}, func() { _ = g.Kill(bg, nil) }
	}},
	{"KillAll", typeOf[scheduler.Error](), "KillAll", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		g, stop := stubborn()
		return func(ctx context.Context) error {
			return scheduler.KillAll(ctx, []*scheduler.Greenlet[struct{}]{g}, nil)
		}, stop
	}},
	{"RunBlocking", typeOf[scheduler.Error](), "RunBlocking", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		release := make(chan struct{})
		return func(ctx context.Context) error {
			_, err := scheduler.RunBlocking(ctx, func() (int, error) { <-release; return 0, nil })
			return err
		}, func() { close(release) }
	}},
}

var primitiveCtxCalls = []ctxEndCall{
	{"Event.Wait", typeOf[event.Error](), "Event.Wait", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		var e event.Event
		return e.Wait, noCleanup
	}},
	{"AsyncResult.Get", typeOf[event.Error](), "AsyncResult.Get", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		var a event.AsyncResult[int]
		return func(ctx context.Context) error { _, err := a.Get(ctx); return err }, noCleanup
	}},
	{"AsyncResult.Wait", typeOf[event.Error](), "AsyncResult.Wait", false, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		var a event.AsyncResult[int]
		return a.Wait, noCleanup
	}},
	{"Semaphore.Acquire", typeOf[lock.Error](), "Semaphore.Acquire", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		s, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		return s.Acquire, noCleanup
	}},
	{"Semaphore.Wait", typeOf[lock.Error](), "Semaphore.Wait", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		s, err := lock.NewSemaphore(0)
		require.NoError(t, err)
		return func(ctx context.Context) error { _, err := s.Wait(ctx); return err }, noCleanup
	}},
	{"BoundedSemaphore.Acquire", typeOf[lock.Error](), "BoundedSemaphore.Acquire", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		s, err := lock.NewBoundedSemaphore(1)
		require.NoError(t, err)
		require.True(t, s.TryAcquire())
		return s.Acquire, noCleanup
	}},
	{"BoundedSemaphore.Wait", typeOf[lock.Error](), "BoundedSemaphore.Wait", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		s, err := lock.NewBoundedSemaphore(1)
		require.NoError(t, err)
		require.True(t, s.TryAcquire())
		return func(ctx context.Context) error { _, err := s.Wait(ctx); return err }, noCleanup
	}},
	{"Lock.Acquire", typeOf[lock.Error](), "Lock.Acquire", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		var l lock.Lock
		require.NoError(t, l.Acquire(bg))
		return l.Acquire, func() { _ = l.Release() }
	}},
	{"RLock.Acquire", typeOf[lock.Error](), "RLock.Acquire", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		var l lock.RLock
		g := scheduler.Go(func() error {
			if err := l.Acquire(bg); err != nil {
				return err
			}
			defer func() { _ = l.Release() }()
			return scheduler.Sleep(bg, time.Hour)
		})
		require.NoError(t, scheduler.Sleep(bg, 0))
		return l.Acquire, func() { _ = g.Kill(bg, nil) }
	}},
	{"Queue.Get", typeOf[queue.Error](), "Queue.Get", true, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		q := queue.New[int](0)
		return func(ctx context.Context) error { _, err := q.Get(ctx); return err }, noCleanup
	}},
	{"Queue.Put", typeOf[queue.Error](), "Queue.Put", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		q := queue.New[int](1)
		require.NoError(t, q.TryPut(1))
		return func(ctx context.Context) error { return q.Put(ctx, 2) }, noCleanup
	}},
	{"Channel.Get", typeOf[queue.Error](), "Channel.Get", true, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		c := queue.NewChannel[int]()
		return func(ctx context.Context) error { _, err := c.Get(ctx); return err }, noCleanup
	}},
	{"Queue.Peek", typeOf[queue.Error](), "Queue.Peek", true, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		q := queue.New[int](0)
		return func(ctx context.Context) error { _, err := q.Peek(ctx); return err }, noCleanup
	}},
	{"Channel.Put", typeOf[queue.Error](), "Channel.Put", true, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		c := queue.NewChannel[int]()
		return func(ctx context.Context) error { return c.Put(ctx, 1) }, noCleanup
	}},
	{"JoinableQueue.Join", typeOf[queue.Error](), "JoinableQueue.Join", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		q := queue.NewJoinable[int](0)
		require.NoError(t, q.TryPut(1))
		return q.Join, noCleanup
	}},
	{"JoinableQueue.Put", typeOf[queue.Error](), "JoinableQueue.Put", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		q := queue.NewJoinable[int](1)
		require.NoError(t, q.TryPut(1))
		return func(ctx context.Context) error { return q.Put(ctx, 2) }, noCleanup
	}},
	{"JoinableQueue.Get", typeOf[queue.Error](), "JoinableQueue.Get", true, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		var q queue.JoinableQueue[int]
		return func(ctx context.Context) error { _, err := q.Get(ctx); return err }, noCleanup
	}},
	{"JoinableQueue.Peek", typeOf[queue.Error](), "JoinableQueue.Peek", true, func(*testing.T, *scheduler.Hub) (func(context.Context) error, func()) {
		var q queue.JoinableQueue[int]
		return func(ctx context.Context) error { _, err := q.Peek(ctx); return err }, noCleanup
	}},
	{"Pool.WaitAvailable", typeOf[pool.Error](), "Pool.WaitAvailable", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, g := fullPool(t)
		return func(ctx context.Context) error { _, err := p.WaitAvailable(ctx); return err }, func() { _ = g.Kill(bg, nil) }
	}},
	{"pool.Spawn", typeOf[pool.Error](), "Spawn", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, g := fullPool(t)
		return func(ctx context.Context) error {
			_, err := pool.Spawn(ctx, p, func() (int, error) { return 0, nil })
			return err
		}, func() { _ = g.Kill(bg, nil) }
	}},
	{"pool.Apply", typeOf[pool.Error](), "Apply", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, err := pool.New(1)
		require.NoError(t, err)
		return func(ctx context.Context) error {
			_, err := pool.Apply(ctx, p, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
			return err
		}, func() { _ = p.Kill(bg, nil) }
	}},
	{"Pool.Add", typeOf[pool.Error](), "Pool.Add", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, g := fullPool(t)
		return func(ctx context.Context) error {
			return p.Add(ctx, scheduler.New(func() (int, error) { return 0, nil }))
		}, func() { _ = g.Kill(bg, nil) }
	}},
	{"pool.Map", typeOf[pool.Error](), "Map", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, err := pool.New(1)
		require.NoError(t, err)
		return func(ctx context.Context) error {
			_, err := pool.Map(ctx, p, func(int) (int, error) { return 0, scheduler.Sleep(bg, time.Hour) }, []int{1})
			return err
		}, func() { _ = p.Kill(bg, nil) }
	}},
	{"Group.Join", typeOf[pool.Error](), "Group.Join", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		gr := pool.NewGroup()
		g := sleeper()
		require.NoError(t, gr.Add(g))
		return gr.Join, func() { _ = g.Kill(bg, nil) }
	}},
	{"Group.Kill", typeOf[pool.Error](), "Group.Kill", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		gr := pool.NewGroup()
		g, stop := stubborn()
		require.NoError(t, gr.Add(g))
		return func(ctx context.Context) error { return gr.Kill(ctx, nil) }, stop
	}},
	{"Group.KillOne", typeOf[pool.Error](), "Group.KillOne", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		gr := pool.NewGroup()
		g, stop := stubborn()
		require.NoError(t, gr.Add(g))
		return func(ctx context.Context) error { return gr.KillOne(ctx, g, nil) }, stop
	}},
	{"pool.Imap", typeOf[pool.Error](), "Imap", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, err := pool.New(1)
		require.NoError(t, err)
		return func(ctx context.Context) error {
			return firstErr(pool.Imap(ctx, p, func(int) (int, error) { return 0, scheduler.Sleep(bg, time.Hour) }, slices.Values([]int{1})))
		}, func() { _ = p.Kill(bg, nil) }
	}},
	{"pool.ImapUnordered", typeOf[pool.Error](), "ImapUnordered", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, err := pool.New(1)
		require.NoError(t, err)
		return func(ctx context.Context) error {
			return firstErr(pool.ImapUnordered(ctx, p, func(int) (int, error) { return 0, scheduler.Sleep(bg, time.Hour) }, slices.Values([]int{1})))
		}, func() { _ = p.Kill(bg, nil) }
	}},
}

// firstErr is the error of an iteration's first pair.
func firstErr[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		return err
	}
	return nil
}

// fullPool is a pool of one held by a sleeper.
func fullPool(t *testing.T) (*pool.Pool, *scheduler.Greenlet[int]) {
	p, err := pool.New(1)
	require.NoError(t, err)
	g, err := pool.Spawn(bg, p, func() (int, error) { return 0, scheduler.Sleep(bg, time.Hour) })
	require.NoError(t, err)
	return p, g
}

var ioCtxCalls = []ctxEndCall{
	{"threadpool.Apply", typeOf[threadpool.Error](), "Apply", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		return func(ctx context.Context) error {
			_, err := threadpool.Apply(ctx, p, func() (int, error) { return 0, nil })
			return err
		}, release
	}},
	{"threadpool.Map", typeOf[threadpool.Error](), "Map", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		return func(ctx context.Context) error {
			_, err := threadpool.Map(ctx, p, func(int) (int, error) { return 0, nil }, []int{1})
			return err
		}, release
	}},
	{"threadpool.ApplyCallback", typeOf[threadpool.Error](), "ApplyCallback", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		return func(ctx context.Context) error {
			_, err := threadpool.ApplyCallback(ctx, p, func() (int, error) { return 0, nil }, func(int) error { return nil })
			return err
		}, release
	}},
	{"threadpool.MapCallback", typeOf[threadpool.Error](), "MapCallback", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		return func(ctx context.Context) error {
			_, err := threadpool.MapCallback(ctx, p, func(int) (int, error) { return 0, nil }, []int{1}, func([]int) error { return nil })
			return err
		}, release
	}},
	{"threadpool.Imap", typeOf[threadpool.Error](), "Imap", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		return func(ctx context.Context) error {
			return firstErr(threadpool.Imap(ctx, p, func(int) (int, error) { return 0, nil }, slices.Values([]int{1})))
		}, release
	}},
	{"threadpool.ImapUnordered", typeOf[threadpool.Error](), "ImapUnordered", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		return func(ctx context.Context) error {
			return firstErr(threadpool.ImapUnordered(ctx, p, func(int) (int, error) { return 0, nil }, slices.Values([]int{1})))
		}, release
	}},
	{"Result.Get", typeOf[threadpool.Error](), "Result.Get", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		r := threadpool.Spawn(p, func() (int, error) { return 0, nil })
		return func(ctx context.Context) error { _, err := r.Get(ctx); return err }, release
	}},
	{"ThreadPool.Join", typeOf[threadpool.Error](), "ThreadPool.Join", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		return p.Join, release
	}},
	{"Resolver.LookupHost", typeOf[resolver.Error](), "Resolver.LookupHost", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, release := heldPool(t)
		r := resolver.New(p, nil)
		return func(ctx context.Context) error { _, err := r.LookupHost(ctx, "example.invalid"); return err }, release
	}},
	{"Cmd.WaitContext", typeOf[subprocess.Error](), "Cmd.WaitContext", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		cmd := subprocess.Command("sleep", "30")
		require.NoError(t, cmd.Start())
		return cmd.WaitContext, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	}},
	{"Cmd.Communicate", typeOf[subprocess.Error](), "Cmd.Communicate", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		cmd := subprocess.Command("sleep", "30")
		_, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		return func(ctx context.Context) error { _, _, err := cmd.Communicate(ctx, nil); return err },
			func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	}},
	{"WaitPid", typeOf[subprocess.Error](), "WaitPid", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		p, err := os.StartProcess("/bin/sleep", []string{"sleep", "30"}, &os.ProcAttr{})
		require.NoError(t, err)
		return func(ctx context.Context) error { _, _, err := subprocess.WaitPid(ctx, p.Pid); return err },
			func() { _ = p.Kill(); _, _ = p.Wait() }
	}},
	{"socket.Poll", typeOf[os.SyscallError](), "poll", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		fds := socketpair(t)
		return func(ctx context.Context) error {
			_, err := socket.Poll(ctx, []socket.PollFD{{Fd: int32(fds[0]), Events: socket.PollIn}})
			return err
		}, func() { closeFDs(fds) }
	}},
	{"socket.Select", typeOf[os.SyscallError](), "select", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		fds := socketpair(t)
		return func(ctx context.Context) error { _, _, err := socket.Select(ctx, []int{fds[0]}, nil); return err },
			func() { closeFDs(fds) }
	}},
	{"socket.WaitRead", typeOf[os.SyscallError](), "wait", false, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		fds := socketpair(t)
		return func(ctx context.Context) error { return socket.WaitRead(ctx, fds[0]) }, func() { closeFDs(fds) }
	}},
	{"socket.DialContext", typeOf[net.OpError](), "dial", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		addr, closeListener := fullListener(t)
		return func(ctx context.Context) error {
			c, err := (&socket.Dialer{}).DialContext(ctx, "tcp", addr)
			if err == nil {
				_ = c.Close()
			}
			return err
		}, closeListener
	}},
	{"File.ReadContext", typeOf[fileobject.Error](), "File.ReadContext", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		r, w, err := fileobject.Pipe()
		require.NoError(t, err)
		return func(ctx context.Context) error { _, err := r.ReadContext(ctx, make([]byte, 1)); return err },
			func() { _ = r.Close(); _ = w.Close() }
	}},
	{"StreamServer.Shutdown", typeOf[server.Error](), "StreamServer.Shutdown", true, func(t *testing.T, _ *scheduler.Hub) (func(context.Context) error, func()) {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		s, err := server.NewStream(ln, func(c *socket.Conn) error { return scheduler.Sleep(bg, time.Hour) }, server.Options{})
		require.NoError(t, err)
		require.NoError(t, s.Start())
		c, err := socket.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		require.True(t, pollUntil(t, func() bool { return s.Len() == 1 }), "the handler runs")
		return s.Shutdown, func() { _ = s.Close(); _ = c.Close() }
	}},
}

// fullListener returns the address of a TCP listener whose accept queue is full (a backlog of
// 0 holds one connection, made here and never accepted), so that a dial to it waits in connect:
// the kernel drops its SYN. The returned func closes both.
func fullListener(t *testing.T) (string, func()) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	filler, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	return addr, func() { _ = filler.Close(); _ = syscall.Close(fd) }
}

func closeFDs(fds [2]int) {
	_ = syscall.Close(fds[0])
	_ = syscall.Close(fds[1])
}

// TestContextEndNamesTheCall: every exported call that waits under a context reports the
// context's end, whether it had ended at the call, was cancelled during the wait or reached its
// deadline then, as its package's error naming the call and wrapping scheduler.ContextError's
// error, so errors.Is matches context.Canceled, or context.DeadlineExceeded and
// scheduler.ErrTimeout (a net.Error that timed out in the chain); a kill whose error is
// context.Canceled, while the call's context lives, keeps the shape of any kill; and a kill
// whose error is another call's error of any package's type comes back as it is, neither
// re-labelled with the call nor dropped (checkForeignKills).
func TestContextEndNamesTheCall(t *testing.T) {
	for _, calls := range [][]ctxEndCall{schedulerCtxCalls, primitiveCtxCalls, ioCtxCalls} {
		for _, c := range calls {
			t.Run(strings.ReplaceAll(c.name, ".", "_"), func(t *testing.T) {
				withHub(t, func(h *scheduler.Hub, _ *reports) { checkContextEnds(t, h, c) })
			})
		}
	}
}

func checkContextEnds(t *testing.T, h *scheduler.Hub, c ctxEndCall) {
	t.Helper()
	// Each case has a call of its own, set up by the main greenlet.
	var cleanups []func()
	defer func() {
		for _, f := range cleanups {
			f()
		}
	}()
	fresh := func() func(context.Context) error {
		call, cleanup := c.setup(t, h)
		cleanups = append(cleanups, cleanup)
		return call
	}
	done, cancel := context.WithCancel(bg)
	cancel()
	checkCtxEnd(t, c, "done on entry", fresh()(done), context.Canceled)
	if c.name == "Hub.Join" {
		// Hub.Join is called from the main greenlet only: its context ends there.
		ctx, cancel := context.WithCancel(bg)
		time.AfterFunc(20*time.Millisecond, cancel)
		checkCtxEnd(t, c, "cancelled while waiting", fresh()(ctx), context.Canceled)
		ctx, cancel = context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		checkCtxEnd(t, c, "deadline while waiting", fresh()(ctx), context.DeadlineExceeded)
		call := fresh()
		checkCtxEnd(t, c, "a Timeout's Context while waiting", call(timeoutContext(t, h)), errTimeoutContext)
		return
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	call := fresh()
	g := scheduler.Spawn(func() (error, error) { return call(ctx), nil })
	require.NoError(t, scheduler.Sleep(bg, 0))
	require.False(t, g.Ready(), "the call waits")
	go cancel()
	checkCtxEnd(t, c, "cancelled while waiting", getErr(t, g), context.Canceled)

	call = fresh()
	g = scheduler.Spawn(func() (error, error) {
		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		return call(ctx), nil
	})
	checkCtxEnd(t, c, "deadline while waiting", getErr(t, g), context.DeadlineExceeded)

	call = fresh()
	tctx := timeoutContext(t, h)
	g = scheduler.Spawn(func() (error, error) { return call(tctx), nil })
	checkCtxEnd(t, c, "a Timeout's Context while waiting", getErr(t, g), errTimeoutContext)

	live, cancelLive := context.WithCancel(bg)
	defer cancelLive()
	call = fresh()
	g = scheduler.Spawn(func() (error, error) { return call(live), nil })
	require.NoError(t, scheduler.Sleep(bg, 0))
	require.False(t, g.Ready(), "the call waits")
	require.NoError(t, g.Kill(testCtx(t), context.Canceled))
	err := g.Value()
	assert.ErrorIs(t, err, context.Canceled, "killed")
	if !c.killWrapped {
		assert.Equal(t, context.Canceled, err, "a kill's error comes back as it is, not renamed")
	} else {
		op, ok := opOf(err, c.typ)
		assert.True(t, ok && op == c.op, "killed: %T %v, the package wraps every wait error", err, err)
	}
	checkForeignKills(t, c, fresh)
}

// foreignErrors are errors of other calls (each package's *Error, naming a call no row makes)
// that a Kill may throw into a waiting greenlet: the greenlet killed in another call's wait
// with the error that call failed with.
func foreignErrors() []error {
	cause := errors.New("another call's cause")
	return []error{
		&scheduler.Error{Op: "Other.Call", Err: cause},
		&event.Error{Op: "Other.Call", Err: cause},
		&lock.Error{Op: "Other.Call", Err: cause},
		&queue.Error{Op: "Other.Call", Err: cause},
		&pool.Error{Op: "Other.Call", Err: cause},
		&threadpool.Error{Op: "Other.Call", Err: cause},
		&resolver.Error{Op: "Other.Call", Err: cause},
		&subprocess.Error{Op: "Other.Call", Err: cause},
		&fileobject.Error{Op: "Other.Call", Err: cause},
		&server.Error{Op: "Other.Call", Err: cause},
	}
}

// checkForeignKills: a kill whose error is another call's error of any package comes back as
// it is (the packages that wrap every wait error: once, in an error naming the call), neither
// re-labelled with the call nor dropped.
func checkForeignKills(t *testing.T, c ctxEndCall, fresh func() func(context.Context) error) {
	t.Helper()
	if c.name == "Hub.Join" {
		return // called from the main greenlet only
	}
	live, cancel := context.WithCancel(bg)
	defer cancel()
	for _, thrown := range foreignErrors() {
		call := fresh()
		g := scheduler.Spawn(func() (error, error) { return call(live), nil })
		require.NoError(t, scheduler.Sleep(bg, 0))
		require.False(t, g.Ready(), "the call waits")
		require.NoError(t, g.Kill(testCtx(t), thrown))
		err := g.Value()
		if !c.killWrapped {
			assert.Same(t, thrown, err, "killed with %T %v: got %T %v", thrown, thrown, err, err)
			continue
		}
		op, ok := opOf(err, c.typ)
		assert.True(t, ok && op == c.op, "killed with %T: %T %v, want a %v naming %s", thrown, err, err, c.typ, c.op)
		if ok {
			assert.Same(t, thrown, errors.Unwrap(err), "killed with %T %v: got %T %v", thrown, thrown, err, err)
		}
	}
}

// errTimeoutContext stands, as checkCtxEnd's want, for the end of a Timeout's Context: the
// timeout cancels it with its own error as the cause.
var errTimeoutContext = errors.New("a Timeout's Context ended")

// timeoutContext returns the Context of a Timeout of 20ms started from a callback of h, which
// throws into no greenlet when it fires (as for the workers a greenlet hands its Context to):
// only the Context ends, cancelled with the timeout's error as the cause.
func timeoutContext(t *testing.T, h *scheduler.Hub) context.Context {
	t.Helper()
	to := scheduler.NewTimeout(20*time.Millisecond, nil)
	started := make(chan error, 1)
	_, err := h.RunCallback(func() { started <- to.Start() })
	require.NoError(t, err)
	for len(started) == 0 {
		require.NoError(t, scheduler.Sleep(bg, 0))
	}
	require.NoError(t, <-started)
	t.Cleanup(to.Cancel)
	return to.Context()
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func getErr(t *testing.T, g *scheduler.Greenlet[error]) error {
	t.Helper()
	err, gerr := g.Get(testCtx(t))
	require.NoError(t, gerr)
	return err
}

// opOf returns the Op (or Syscall) of err when err is of type typ.
func opOf(err error, typ reflect.Type) (string, bool) {
	if err == nil || reflect.TypeOf(err) != typ {
		return "", false
	}
	v := reflect.ValueOf(err).Elem()
	for _, f := range []string{"Op", "Syscall"} {
		if fv := v.FieldByName(f); fv.IsValid() {
			return fv.String(), true
		}
	}
	return "", true
}

// checkCtxEnd asserts that err is c's error naming c.op for a context that ended with want.
func checkCtxEnd(t *testing.T, c ctxEndCall, how string, err, want error) {
	t.Helper()
	require.Error(t, err, how)
	op, ok := opOf(err, c.typ)
	assert.True(t, ok && op == c.op, "%s: %T %q, want a %v naming %s", how, err, err, c.typ, c.op)
	timeoutCtx := want == errTimeoutContext
	if timeoutCtx {
		// Cancelled, but on a time limit: a timeout as much as a deadline is, but not
		// temporary (a Timeout fires once: whoever retries temporary errors stops), except
		// in resolver's *net.DNSError, whose Temporary is true for any timeout.
		assert.ErrorIs(t, err, context.Canceled, how)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, how)
		var tmp interface{ Temporary() bool }
		var dns *net.DNSError
		if !errors.As(err, &dns) {
			assert.False(t, errors.As(err, &tmp) && tmp.Temporary(), "%s: temporary", how)
		}
		var to *scheduler.Timeout
		assert.ErrorAs(t, err, &to, "%s: the Timeout, the context's cause", how)
	} else {
		assert.ErrorIs(t, err, want, how)
	}
	if want == context.DeadlineExceeded || timeoutCtx {
		assert.ErrorIs(t, err, scheduler.ErrTimeout, how)
		var ne net.Error
		assert.True(t, errors.As(err, &ne) && ne.Timeout(), "%s: a net.Error that timed out", how)
		assert.True(t, os.IsTimeout(err), "%s: %T says it timed out itself (os.IsTimeout)", how, err)
	}
	// Named once: what the call's error wraps is the context's error itself
	// (context.Canceled, ContextError's deadline error, or its error for a
	// Timeout's Context, which wraps that Timeout), no other call's error of
	// any package between them. resolver's only layer is the *net.DNSError
	// net gives for the same end (its doc says so).
	inner := errors.Unwrap(err)
	if dns, ok := inner.(*net.DNSError); ok {
		inner = dns.UnwrapErr
	}
	if to, ok := errors.Unwrap(inner).(*scheduler.Timeout); timeoutCtx && ok {
		inner = to
	}
	assert.Nil(t, errors.Unwrap(inner), "%s: %q wraps %T, another call's error, around the context's", how, err, inner)
}
