package scheduler

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDestroyRunsDefers(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	var buf bytes.Buffer
	h.SetErrorOutput(&buf)
	var trace []string
	for i := range 3 {
		Go(func() error {
			defer func() { trace = append(trace, fmt.Sprint("defer ", i)) }()
			return Sleep(bg, time.Hour)
		})
	}
	neverRan := Go(func() error { trace = append(trace, "never"); return nil })
	require.NoError(t, Sleep(bg, 0))
	neverRan.Start()
	unstarted := New(func() (int, error) { return 0, nil })
	_ = unstarted
	Go(func() error { return nil }) // pending at Destroy: never runs
	require.NoError(t, h.Destroy())
	assert.ElementsMatch(t, []string{"never", "defer 0", "defer 1", "defer 2"}, trace)
	assert.True(t, h.Destroyed())
	postErr := h.Post(func() {})
	assert.ErrorIs(t, postErr, ErrHubDestroyed)
	assert.ErrorIs(t, postErr, ErrClosed)
	assert.EqualError(t, postErr, "scheduler: Hub.Post: hub destroyed", "the call as the caller wrote it, the kind not read twice")
	require.NoError(t, h.Destroy())
	// No call creates a hub; the goroutine may create a fresh one.
	assert.Nil(t, CurrentHub())
	assert.ErrorIs(t, Sleep(bg, 0), ErrNotGreenlet)
	h2, err := NewHub()
	require.NoError(t, err)
	assert.NotSame(t, h, h2)
	require.NoError(t, Sleep(bg, 0))
	require.NoError(t, h2.Destroy())
}

// Functions queued before Destroy starts never run, even when the hub is
// resumed in the middle of a drain: here main is woken by the first of
// three queued functions, so the hub is suspended inside that callback when
// main calls Destroy, and Destroy's kill resumes it there.
func TestDestroyDropsQueuedCallbacks(t *testing.T) {
	for _, via := range []string{"RunCallback", "Post"} {
		t.Run(via, func(t *testing.T) {
			h, err := NewHub()
			require.NoError(t, err)
			queue := func(fn func()) {
				if via == "Post" {
					require.NoError(t, h.Post(fn))
				} else {
					h.RunCallback(fn)
				}
			}
			w := NewWaiter("main")
			var ranDuringDestroy []string
			queue(func() { w.Switch(nil) })
			queue(func() { ranDuringDestroy = append(ranDuringDestroy, "queued before main returned") })
			_, err = w.Get(bg)
			require.NoError(t, err)
			h.RunCallback(func() { ranDuringDestroy = append(ranDuringDestroy, "queued by main") })
			require.NoError(t, h.Destroy())
			assert.Empty(t, ranDuringDestroy)
		})
	}
}

// What the greenlets Destroy kills leave behind is teardown and runs before
// Destroy returns: their links and the callbacks their defers queue, after
// every defer ran, wherever the hub was suspended (in a callback, or
// throwing LoopExit into main).
func TestDestroyRunsLinksOfKilledGreenlets(t *testing.T) {
	for _, wake := range []string{"callback", "loop exit"} {
		t.Run(wake, func(t *testing.T) {
			h, err := NewHub()
			require.NoError(t, err)
			var trace []string
			w := NewWaiter("victim")
			g := Go(func() error {
				defer func() {
					h.RunCallback(func() { trace = append(trace, "defer's callback") })
					trace = append(trace, "defer")
				}()
				_, err := w.Get(bg)
				return err
			})
			g.Rawlink(func(Linkable) { trace = append(trace, "link") })
			if wake == "callback" {
				mw := NewWaiter("main")
				h.RunCallback(func() { mw.Switch(nil) })
				_, err = mw.Get(bg)
				require.NoError(t, err)
			} else {
				require.NoError(t, Sleep(bg, 0)) // the victim starts and waits
				var le *LoopExitError
				_, err = NewWaiter("main").Get(bg)
				require.ErrorAs(t, err, &le)
			}
			require.NoError(t, h.Destroy())
			assert.Equal(t, []string{"defer", "defer's callback", "link"}, trace)
		})
	}
}

// A greenlet still pending at Destroy never runs its body (nor its defers),
// but its links run with the rest of the teardown, whether the hub greenlet
// ever ran (a Sleep before) or not (main spawned and returned at once): a
// link that closes what the body would have closed must not be lost.
func TestDestroyRunsLinksOfGreenletsThatNeverRan(t *testing.T) {
	for _, hubRan := range []bool{true, false} {
		t.Run(fmt.Sprintf("hub ran %v", hubRan), func(t *testing.T) {
			h, err := NewHub()
			require.NoError(t, err)
			if hubRan {
				require.NoError(t, Sleep(bg, 0))
			}
			var trace []string
			g := Go(func() error { trace = append(trace, "body"); return nil })
			g.Rawlink(func(l Linkable) {
				trace = append(trace, fmt.Sprint("link ready=", l.(*Greenlet[struct{}]).Ready()))
			})
			require.NoError(t, h.Destroy())
			assert.Equal(t, []string{"link ready=true"}, trace)
			assert.ErrorIs(t, g.ExitErr(), ErrGreenletExit)
		})
	}
}

// A greenlet that finished while main waited has its links queued, not yet
// run, when main calls Destroy: those run with the teardown too, before the
// links of the greenlets Destroy kills, instead of being dropped with the
// queued callbacks.
func TestDestroyRunsQueuedLinksOfFinishedGreenlets(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	var trace []string
	done := Go(func() error { trace = append(trace, "body"); return nil })
	done.Rawlink(func(Linkable) { trace = append(trace, "finished's link") })
	require.NoError(t, Sleep(bg, 0)) // the body runs; main wakes before its links
	require.Equal(t, []string{"body"}, trace)
	Go(func() error { return nil }).Rawlink(func(Linkable) { trace = append(trace, "pending's link") })
	require.NoError(t, h.Destroy())
	assert.Equal(t, []string{"body", "finished's link", "pending's link"}, trace)
}

// The teardown drain goes past the switch interval: every link of the
// killed greenlets runs, however many they are.
func TestDestroyRunsAllLinksPastTheSwitchInterval(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	h.SetSwitchInterval(time.Nanosecond)
	const n = 3 * callbacksPerIntervalCheck
	links := 0
	for range n {
		g := Go(func() error { return Sleep(bg, time.Hour) })
		g.Rawlink(func(Linkable) { links++ })
	}
	mw := NewWaiter("main")
	h.RunCallback(func() { mw.Switch(nil) })
	_, err = mw.Get(bg)
	require.NoError(t, err)
	require.NoError(t, h.Destroy())
	assert.Equal(t, n, links)
}

// Watcher events pending in the loop iteration whose callback woke main
// never run either: here a timer's callback wakes main, and the same batch
// carries a readable pipe's io event and a second timer's. Main destroys
// the hub while the hub is suspended in the first callback; the kill
// resumes it there, and it dispatches nothing more. Before, it went on with
// the batch and ran both callbacks on the hub being torn down.
func TestDestroyDropsPendingWatcherEvents(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	var errs bytes.Buffer
	h.SetErrorOutput(&errs)
	loop := h.Loop()
	var ran []string
	var fds [2]int
	require.NoError(t, syscall.Pipe2(fds[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC))
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	rd, err := loop.NewIO(fds[0], cev.EV_READ, func(*cev.IO, int) { ran = append(ran, "io") })
	require.NoError(t, err)
	other, err := loop.NewTimer(0, 0, func(*cev.Timer, int) { ran = append(ran, "timer") })
	require.NoError(t, err)
	k := NewWaker()
	wake, err := loop.NewTimer(0, 0, func(_ *cev.Timer, rev int) { k.Fire(rev) })
	require.NoError(t, err)
	// The waking timer comes first in the batch.
	require.NoError(t, wake.SetPriority(cev.EV_MAXPRI))
	_, err = syscall.Write(fds[1], []byte{1})
	require.NoError(t, err)
	require.NoError(t, rd.Start())
	require.NoError(t, other.Start())
	rev, err := h.Wait(bg, wake, k, "the waking timer")
	require.NoError(t, err)
	require.Equal(t, cev.EV_TIMER, rev)
	require.Empty(t, ran, "main ran first in the batch")
	require.NoError(t, h.Destroy())
	assert.Empty(t, ran, "a watcher callback ran during Destroy")
	assert.Empty(t, errs.String())
}

// A hub woken in a prepare callback, before the iteration's poll, does not
// go on to poll when Destroy resumes it: here a timer two seconds away
// would end that poll and its callback would run. Before, Destroy waited
// for it.
func TestDestroyFromAPrepareCallbackDoesNotPoll(t *testing.T) {
	h, err := NewHub()
	require.NoError(t, err)
	loop := h.Loop()
	ran := false
	later, err := loop.NewTimer(2, 0, func(*cev.Timer, int) { ran = true })
	require.NoError(t, err)
	require.NoError(t, later.Start())
	k := NewWaker()
	prep, err := loop.NewPrepare(func(_ *cev.Prepare, rev int) { k.Fire(rev) })
	require.NoError(t, err)
	rev, err := h.Wait(bg, prep, k, "the prepare watcher")
	require.NoError(t, err)
	require.Equal(t, cev.EV_PREPARE, rev)
	require.NoError(t, h.Destroy())
	assert.False(t, ran, "the hub polled during Destroy")
}
