package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shape draws a snapshot's trees as "name: state[ on label]" lines, two
// spaces of indentation per level, without what changes from run to run.
func shape(gs []GreenletInfo) []string {
	var out []string
	var walk func(gs []GreenletInfo, depth int)
	walk = func(gs []GreenletInfo, depth int) {
		for _, g := range gs {
			line := strings.Repeat("  ", depth) + g.Name + ": " + g.State
			switch {
			case g.WaitingOn == "":
			case g.State == "scheduled":
				line += " by " + g.WaitingOn // as the text view says it
			default:
				line += " on " + g.WaitingOn
			}
			out = append(out, line)
			walk(g.Children, depth+1)
		}
	}
	walk(gs, 0)
	return out
}

// find returns the greenlet named name in a snapshot's trees.
func find(gs []GreenletInfo, name string) *GreenletInfo {
	for i := range gs {
		if gs[i].Name == name {
			return &gs[i]
		}
		if g := find(gs[i].Children, name); g != nil {
			return g
		}
	}
	return nil
}

// named spawns fn as a greenlet called name.
func named(name string, fn func() error) *Greenlet[struct{}] {
	g := New(func() (struct{}, error) { return struct{}{}, fn() })
	g.SetName(name)
	if err := g.Start(); err != nil {
		panic(err)
	}
	return g
}

// TestRunInfoTreeAndWaitLabels takes the snapshot of a hub with one
// greenlet in every state and kind the live view knows, from main.
func TestRunInfoTreeAndWaitLabels(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx := within(t, 10*time.Second)
		h.SetRecordSpawnStacks(true)
		sleepHour := func() error { return Sleep(ctx, time.Hour) }
		var ready atomic.Int32 // greenlets that reached their wait
		waitHour := func() error { ready.Add(1); return sleepHour() }
		stop := false
		waiter := named("waiter", func() error {
			named("sleeper", waitHour)
			ready.Add(1)
			_, err := NewWaiter("custom wait").Get(ctx)
			return err
		})
		named("yielder", func() error {
			ready.Add(1)
			for !stop {
				if err := Sleep(ctx, 0); err != nil {
					return err
				}
			}
			return nil
		})
		named("joiner", func() error { ready.Add(1); return waiter.Join(ctx) })
		later := New(func() (int, error) { return 0, nil })
		later.SetName("later")
		require.NoError(t, later.StartLater(time.Hour))
		SpawnLater(time.Minute, func() (int, error) { return 0, nil }).SetName("spawned-later")
		named("orphan-parent", func() error { named("orphan", waitHour); return nil })
		linked := named("linked", func() error { return nil })
		linked.Link(func(Linkable) { _ = waitHour() })
		_, err := SpawnRaw(waitHour)
		require.NoError(t, err)
		h.RunCallback(func() { named("from-callback", waitHour) })
		pollHub(t, func() bool { return ready.Load() == 8 })
		named("pending", func() error { return nil })

		info, err := h.Snapshot(ctx)
		require.NoError(t, err)
		stop = true
		require.NoError(t, info.Err)
		assert.Equal(t, []string{
			"main: running",
			"  waiter: waiting on custom wait",
			"    sleeper: waiting on sleep 1h0m0s",
			"  yielder: runnable",
			"  joiner: waiting on join waiter",
			"  later: scheduled by Greenlet.StartLater 1h0m0s",
			"  spawned-later: scheduled by SpawnLater 1m0s",
			"  pending: scheduled",
			"  RawGreenlet-1: waiting on sleep 1h0m0s",
			"hub: suspended",
			"  from-callback: waiting on sleep 1h0m0s",
			"  link of linked: waiting on sleep 1h0m0s",
			"orphan-parent: dead",
			"  orphan: waiting on sleep 1h0m0s",
		}, shape(info.Greenlets))

		assert.Equal(t, h.number(), info.ID)
		assert.Equal(t, h.owner, info.Owner)
		assert.Equal(t, "main", info.Running)
		assert.NotEmpty(t, info.Backend)
		assert.Equal(t, h.live.n, info.Stats.LiveGreenlets)
		assert.Equal(t, DefaultSwitchInterval, info.SwitchInterval)
		assert.Equal(t, DefaultBlockingThreshold, info.BlockingThreshold)
		assert.True(t, info.RecordSpawnStacks)

		main := find(info.Greenlets, "main")
		assert.Equal(t, "main", main.Kind)
		assert.Equal(t, h.owner, main.Goroutine)
		w := find(info.Greenlets, "waiter")
		assert.Equal(t, "greenlet", w.Kind)
		assert.Equal(t, waiter.id, w.ID)
		assert.NotZero(t, w.Goroutine)
		require.NotEmpty(t, w.SpawnedAt)
		assert.Contains(t, w.SpawnedAt[0], "scheduler.named", "innermost first: the caller of New")
		assert.Contains(t, strings.Join(w.SpawnedAt, "\n"), "TestRunInfoTreeAndWaitLabels")
		for _, f := range w.SpawnedAt {
			assert.NotContains(t, f, "runtime.goexit")
		}
		assert.Zero(t, find(info.Greenlets, "pending").Goroutine, "not started")
		assert.Equal(t, "raw", find(info.Greenlets, "RawGreenlet-1").Kind)
		assert.Equal(t, "link", find(info.Greenlets, "link of linked").Kind)
	})
}

// TestRunInfoFromCallback snapshots the caller's own hub from a callback:
// in place, the hub running.
func TestRunInfoFromCallback(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var infos []HubInfo
		var err error
		done := false
		h.RunCallback(func() { infos, err = RunInfo(bg); done = true })
		pollHub(t, func() bool { return done })
		require.NoError(t, err)
		require.Len(t, infos, 1)
		assert.Equal(t, "hub", infos[0].Running)
		assert.Equal(t, []string{"main: waiting on sleep 1ms", "hub: running"}, shape(infos[0].Greenlets))
	})
}

// otherHub runs a hub on a goroutine of its own: body runs as its main
// greenlet, and the returned func waits for the hub to be destroyed.
func otherHub(t *testing.T, body func(h *Hub) error) (h *Hub, wait func()) {
	t.Helper()
	started := make(chan *Hub, 1)
	done := make(chan error, 1)
	go func() {
		done <- Main(func() error {
			h := CurrentHub()
			h.SetErrorOutput(io.Discard)
			started <- h
			return body(h)
		})
	}()
	select {
	case h = <-started:
	case err := <-done:
		t.Fatalf("hub did not start: %v", err)
	}
	return h, func() {
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("the other hub did not end within 10 s")
		}
	}
}

// spinningHub starts a hub whose main greenlet spins in a CPU loop
// without switching until release is called, and returns once it spins.
func spinningHub(t *testing.T) (h *Hub, release func()) {
	t.Helper()
	var spinning, stop atomic.Bool
	h, wait := otherHub(t, func(h *Hub) error {
		h.SetBlockingThreshold(0)
		g := named("spinner", func() error {
			spinning.Store(true)
			for !stop.Load() {
			}
			return nil
		})
		_, err := g.Get(bg)
		return err
	})
	require.Eventually(t, spinning.Load, 10*time.Second, time.Millisecond)
	return h, func() { stop.Store(true); wait() }
}

// infoOf returns the snapshot of h among infos.
func infoOf(t *testing.T, infos []HubInfo, h *Hub) HubInfo {
	t.Helper()
	for _, hi := range infos {
		if hi.ID == h.number() {
			return hi
		}
	}
	t.Fatalf("hub %d is not in the snapshot", h.number())
	return HubInfo{}
}

// TestRunInfoBusyHubDoesNotAnswer: a hub held by a CPU loop is reported
// as not answering by the context's deadline, with the greenlet that holds
// it, from a plain goroutine and from a greenlet of another hub, which
// runs on meanwhile.
func TestRunInfoBusyHubDoesNotAnswer(t *testing.T) {
	busy, release := spinningHub(t)
	defer release()

	ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel()
	infos, err := RunInfo(ctx)
	require.NoError(t, err, "a deadline that ends the wait is no error")
	hi := infoOf(t, infos, busy)
	require.ErrorIs(t, hi.Err, ErrTimeout)
	require.ErrorIs(t, hi.Err, context.DeadlineExceeded)
	assert.Equal(t, "spinner", hi.Running)
	assert.Nil(t, hi.Greenlets)
	assert.Equal(t, DefaultSwitchInterval, hi.SwitchInterval)

	ctx, cancel = context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel()
	var buf bytes.Buffer
	require.NoError(t, WriteRunInfo(ctx, &buf))
	assert.Contains(t, buf.String(), fmt.Sprintf("Hub %d (owner goroutine %d): did not answer", busy.number(), busy.owner))
	assert.Contains(t, buf.String(), "held by spinner when last seen by the blocking detector")

	require.NoError(t, Main(func() error {
		ticks := 0
		ticker := named("ticker", func() error {
			for {
				if err := Sleep(bg, time.Millisecond); err != nil {
					return err
				}
				ticks++
			}
		})
		ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel()
		infos, err := RunInfo(ctx)
		require.NoError(t, err)
		require.ErrorIs(t, infoOf(t, infos, busy).Err, ErrTimeout)
		own := infoOf(t, infos, CurrentHub())
		require.NoError(t, own.Err)
		assert.Equal(t, "main", own.Running)
		assert.Positive(t, ticks, "the caller's hub ran its greenlets while the caller waited")
		ticker.KillAsync(nil)
		return nil
	}))
}

// TestRunInfoBusyHubDefaultWait: without a deadline, RunInfo gives up on a
// busy hub after RunInfoTimeout (timing-sensitive only in that the wait
// must end at all: the bound checked is ten times that).
func TestRunInfoBusyHubDefaultWaitTimingSensitive(t *testing.T) {
	busy, release := spinningHub(t)
	defer release()
	start := time.Now()
	infos, err := RunInfo(bg)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 10*RunInfoTimeout)
	hi := infoOf(t, infos, busy)
	require.ErrorIs(t, hi.Err, ErrTimeout)
	assert.NotErrorIs(t, hi.Err, context.DeadlineExceeded)
	assert.Contains(t, hi.Err.Error(), fmt.Sprintf("hub %d: no answer within %v", busy.number(), RunInfoTimeout))
}

// TestRunInfoCancelled: a cancel during the wait is RunInfo's error, with
// what was gathered.
func TestRunInfoCancelled(t *testing.T) {
	busy, release := spinningHub(t)
	defer release()
	ctx, cancel := context.WithCancel(bg)
	stopCancel := context.AfterFunc(within(t, 50*time.Millisecond), cancel)
	defer stopCancel()
	infos, err := RunInfo(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, infoOf(t, infos, busy).Err, context.Canceled)

	_, err = RunInfo(ctx)
	require.ErrorIs(t, err, context.Canceled, "done at the call")
}

// TestRunInfoHubsAskEachOther: two hubs whose greenlets take the snapshot
// of every hub at the same time both get answers, since each waits off its
// hub.
func TestRunInfoHubsAskEachOther(t *testing.T) {
	gate, leave := make(chan struct{}), make(chan struct{})
	results := make(chan []HubInfo, 2)
	ask := func(*Hub) error {
		<-gate
		ctx := within(t, 10*time.Second)
		infos, err := RunInfo(ctx)
		results <- infos
		if err != nil {
			return err
		}
		// Stay until both have their answers, with the hub running.
		_, err = RunBlocking(ctx, func() (struct{}, error) { <-leave; return struct{}{}, nil })
		return err
	}
	a, waitA := otherHub(t, ask)
	b, waitB := otherHub(t, ask)
	close(gate)
	all := [][]HubInfo{<-results, <-results}
	close(leave)
	waitA()
	waitB()
	for _, infos := range all {
		for _, h := range []*Hub{a, b} {
			hi := infoOf(t, infos, h)
			require.NoError(t, hi.Err)
			require.NotNil(t, find(hi.Greenlets, "main"))
		}
	}
}

// TestRunInfoDeepChain: a chain of greenlets each waiting for the one it
// spawned is drawn with its depth past the indentation's limit.
func TestRunInfoDeepChain(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx := within(t, 10*time.Second)
		const depth = 3 * maxDrawnDepth
		var reached atomic.Bool
		var link func(n int) error
		link = func(n int) error {
			if n == depth {
				reached.Store(true)
				return Sleep(ctx, time.Hour)
			}
			return named(fmt.Sprint("g", n+1), func() error { return link(n + 1) }).Join(ctx)
		}
		top := named("g0", func() error { return link(0) })
		pollHub(t, reached.Load)
		var buf bytes.Buffer
		require.NoError(t, WriteRunInfo(ctx, &buf))
		text := buf.String()
		last := fmt.Sprintf("  [depth %d] ", depth+1)
		assert.Contains(t, text, last+strings.Repeat("     ", maxDrawnDepth)+"+--- g"+fmt.Sprint(depth)+": waiting on sleep 1h0m0s")
		for line := range strings.Lines(text) {
			assert.Less(t, len(line), 400, "indentation is bounded")
		}
		top.KillAsync(nil)
	})
}

// TestRunInfoText checks the text of a small hub line by line.
func TestRunInfoText(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx := within(t, 10*time.Second)
		h.SetBlockingThreshold(0)
		h.SetSwitchInterval(2 * time.Millisecond)
		started := false
		a := named("a", func() error {
			started = true
			named("b", func() error { return Sleep(ctx, time.Hour) })
			return Sleep(ctx, time.Hour)
		})
		named("c", func() error { return Sleep(ctx, time.Hour) })
		d := SpawnLater(time.Minute, func() (int, error) { return 0, nil })
		d.SetName("d")
		pollHub(t, func() bool { return started })
		var buf bytes.Buffer
		require.NoError(t, WriteRunInfo(ctx, &buf))
		lines := strings.Split(buf.String(), "\n")
		require.GreaterOrEqual(t, len(lines), 10)
		assert.Equal(t, fmt.Sprintf("Hub %d (owner goroutine %d): main running", h.number(), h.owner), lines[0])
		assert.Contains(t, lines[1], "  loop: ")
		assert.Contains(t, lines[2], "  watchers: ")
		assert.Equal(t, "  config: switch interval 2ms, blocking threshold off, thread pool size default, spawn stacks off", lines[3])
		gid := func(name string) int64 { return find(mustSnapshot(t, h).Greenlets, name).Goroutine }
		assert.Equal(t, []string{
			fmt.Sprintf("  main: running (goroutine %d)", h.owner),
			fmt.Sprintf("  +--- a: waiting on sleep 1h0m0s (goroutine %d)", gid("a")),
			fmt.Sprintf("  |    +--- b: waiting on sleep 1h0m0s (goroutine %d)", gid("b")),
			fmt.Sprintf("  +--- c: waiting on sleep 1h0m0s (goroutine %d)", gid("c")),
			"  +--- d: scheduled by SpawnLater 1m0s",
			fmt.Sprintf("  hub: suspended (goroutine %d)", h.hubC.goid.Load()),
			"",
			"",
		}, lines[4:])
		a.KillAsync(nil)
		d.KillAsync(nil)
	})
}

// sleepInStackTest is a frame of its own that a greenlet's stack shows.
//
//go:noinline
func sleepInStackTest(ctx context.Context) error { return Sleep(ctx, time.Hour) }

// TestRunInfoStacks: RunInfoStacks gives each greenlet the stack where it
// waits, without the coroutine and scheduler frames (gevent's
// greenlet_stacks), and WriteRunInfoStacks writes it under the greenlet;
// RunInfo and WriteRunInfo take no dump and show none.
func TestRunInfoStacks(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx := within(t, 10*time.Second)
		h.SetBlockingThreshold(0)
		started := false
		a := named("a", func() error { started = true; return sleepInStackTest(ctx) })
		pollHub(t, func() bool { return started })

		infos, err := RunInfoStacks(ctx)
		require.NoError(t, err)
		g := find(infoOf(t, infos, h).Greenlets, "a")
		require.NotNil(t, g)
		assert.Contains(t, g.Stack, fmt.Sprintf("goroutine %d [", g.Goroutine))
		assert.Contains(t, g.Stack, "scheduler.sleepInStackTest(")
		assert.NotContains(t, g.Stack, "iter.Pull", "the machinery frames are left out")
		assert.NotContains(t, g.Stack, "(*worker).main")
		assert.Contains(t, find(infoOf(t, infos, h).Greenlets, "main").Stack, "TestRunInfoStacks")

		infos, err = RunInfo(ctx)
		require.NoError(t, err)
		assert.Empty(t, find(infoOf(t, infos, h).Greenlets, "a").Stack)

		var buf bytes.Buffer
		require.NoError(t, WriteRunInfoStacks(ctx, &buf))
		text := buf.String()
		i := strings.Index(text, "+--- a: waiting on sleep 1h0m0s")
		require.GreaterOrEqual(t, i, 0, text)
		assert.Contains(t, text[i:], "\n              stack:\n                goroutine ")
		assert.Contains(t, text[i:], "scheduler.sleepInStackTest(")
		buf.Reset()
		require.NoError(t, WriteRunInfo(ctx, &buf))
		assert.NotContains(t, buf.String(), "stack:")

		assert.ErrorIs(t, WriteRunInfoStacks(ctx, nil), ErrNilArgument)
		var nilCtx context.Context
		_, err = RunInfoStacks(nilCtx)
		assert.ErrorIs(t, err, ErrNilArgument)
		a.KillAsync(nil)
	})
}

func mustSnapshot(t *testing.T, h *Hub) HubInfo {
	t.Helper()
	info, err := h.Snapshot(bg)
	require.NoError(t, err)
	return info
}

// TestRunInfoNilAndZeroArguments: nil and zero arguments are refused with
// clear errors, from a goroutine and in a hub.
func TestRunInfoNilAndZeroArguments(t *testing.T) {
	var nilCtx context.Context
	check := func() {
		_, err := RunInfo(nilCtx)
		require.ErrorIs(t, err, ErrNilArgument)
		require.ErrorIs(t, WriteRunInfo(nilCtx, io.Discard), ErrNilArgument)
		require.ErrorIs(t, WriteRunInfo(bg, nil), ErrNilArgument)
		var nilHub *Hub
		_, err = nilHub.Snapshot(bg)
		require.ErrorIs(t, err, ErrNilArgument)
		_, err = (&Hub{}).Snapshot(bg)
		require.ErrorIs(t, err, ErrNotGreenlet)
		_, err = (&Hub{}).Snapshot(nilCtx)
		require.ErrorIs(t, err, ErrNilArgument)
	}
	check()
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		check()
		_, err := h.Snapshot(nilCtx)
		require.ErrorIs(t, err, ErrNilArgument)
		assert.Contains(t, err.Error(), "Hub.Snapshot")
	})
	h, err := NewHub()
	require.NoError(t, err)
	require.NoError(t, h.Destroy())
	_, err = h.Snapshot(bg)
	require.ErrorIs(t, err, ErrHubDestroyed)
}

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("write refused")

func (errWriter) Write([]byte) (int, error) { return 0, errWrite }

// TestWriteRunInfoWriterError returns the writer's error.
func TestWriteRunInfoWriterError(t *testing.T) {
	withHub(t, func(*Hub, *bytes.Buffer) {
		err := WriteRunInfo(bg, errWriter{})
		require.ErrorIs(t, err, errWrite)
		assert.Contains(t, err.Error(), "WriteRunInfo")
	})
}
