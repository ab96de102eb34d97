package cev

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// watcherMakers creates one watcher of every type; the tests below call
// every exported method of each through reflection, so a method added
// later is covered without editing them.
var watcherMakers = []struct {
	name string
	make func(t *testing.T, l *Loop) Watcher
}{
	{"IO", func(t *testing.T, l *Loop) Watcher {
		r, _ := pipe(t)
		w, err := l.NewIO(r, EV_READ, func(*IO, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Timer", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewTimer(1, 1, func(*Timer, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Periodic", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewPeriodic(1, 1, func(*Periodic, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Signal", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewSignal(syscall.SIGUSR2, func(*Signal, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Child", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewChild(os.Getpid(), func(*Child, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Stat", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewStat(t.TempDir(), 0, func(*Stat, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Idle", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewIdle(func(*Idle, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Prepare", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewPrepare(func(*Prepare, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Check", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewCheck(func(*Check, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Fork", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewFork(func(*Fork, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Cleanup", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewCleanup(func(*Cleanup, int) {})
		require.NoError(t, err)
		return w
	}},
	{"Async", func(t *testing.T, l *Loop) Watcher {
		w, err := l.NewAsync(func(*Async, int) {})
		require.NoError(t, err)
		return w
	}},
}

// plausibleArg returns an argument that would be valid on a live receiver,
// so an error can only come from the receiver check.
func plausibleArg(t *testing.T, typ reflect.Type, live Watcher) reflect.Value {
	t.Helper()
	switch {
	case typ == reflect.TypeOf((*Watcher)(nil)).Elem():
		return reflect.ValueOf(&live).Elem()
	case typ.Kind() == reflect.Func:
		return reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value { return nil })
	case typ.Kind() == reflect.String:
		return reflect.ValueOf(t.TempDir()).Convert(typ)
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Float64:
		// 1 is EV_READ, EVRUN_NOWAIT, EVBREAK_ONE, fd 1, SIGHUP, pid 1,
		// priority 1 and one second.
		return reflect.ValueOf(1).Convert(typ)
	}
	t.Fatalf("no plausible argument of type %v", typ)
	return reflect.Value{}
}

// callAll calls every exported method of recv and checks that none panics,
// that every error result matches want and names its method, and that
// every other result is its type's zero value (IO.FD: -1; Loop: wantLoop).
func callAll(t *testing.T, recv any, want error, wantLoop *Loop, live Watcher) {
	t.Helper()
	v := reflect.ValueOf(recv)
	require.Greater(t, v.NumMethod(), 0)
	for i := 0; i < v.NumMethod(); i++ {
		m := v.Type().Method(i)
		args := []reflect.Value{}
		for j := 1; j < m.Type.NumIn(); j++ { // In(0) is the receiver
			args = append(args, plausibleArg(t, m.Type.In(j), live))
		}
		var out []reflect.Value
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%T.%s panicked: %v", recv, m.Name, p)
				}
			}()
			out = v.Method(i).Call(args)
		}()
		for _, o := range out {
			switch {
			case o.Type() == reflect.TypeOf((*error)(nil)).Elem():
				err, _ := o.Interface().(error)
				if assert.ErrorIs(t, err, want, "%T.%s", recv, m.Name) {
					var e *Error
					require.True(t, errors.As(err, &e), "%T.%s: %v", recv, m.Name, err)
					assert.True(t, strings.HasSuffix(e.Op, m.Name), "%T.%s: op %q names the method", recv, m.Name, e.Op)
				}
			case m.Name == "FD":
				assert.Equal(t, -1, o.Interface(), "%T.FD", recv)
			case m.Name == "Loop" && o.Type() == reflect.TypeOf((*Loop)(nil)):
				assert.Same(t, wantLoop, o.Interface(), "%T.Loop", recv)
			default:
				assert.True(t, o.IsZero(), "%T.%s returned %v, want the zero value", recv, m.Name, o.Interface())
			}
		}
	}
}

func TestLoopBadReceivers(t *testing.T) {
	live := newLoop(t)
	liveW, err := live.NewIdle(func(*Idle, int) {})
	require.NoError(t, err)
	destroyed, err := NewLoop()
	require.NoError(t, err)
	require.NoError(t, destroyed.Destroy())

	for _, tc := range []struct {
		name string
		l    *Loop
		want error
	}{
		{"nil", nil, ErrInvalid},
		{"zero value", &Loop{}, ErrInvalid},
		{"destroyed", destroyed, ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			callAll(t, tc.l, tc.want, nil, liveW)
		})
	}
}

func TestWatcherBadReceivers(t *testing.T) {
	live := newLoop(t)
	liveW, err := live.NewIdle(func(*Idle, int) {})
	require.NoError(t, err)

	for _, mk := range watcherMakers {
		t.Run(mk.name, func(t *testing.T) {
			l := newLoop(t)
			closed := mk.make(t, l)
			require.NoError(t, closed.Close())

			dl, err := NewLoop()
			require.NoError(t, err)
			orphan := mk.make(t, dl)
			require.NoError(t, orphan.Start())
			require.NoError(t, dl.Destroy())

			typ := reflect.TypeOf(closed)
			for _, tc := range []struct {
				name     string
				w        any
				want     error
				wantLoop *Loop
			}{
				{"nil", reflect.Zero(typ).Interface(), ErrInvalid, nil},
				{"zero value", reflect.New(typ.Elem()).Interface(), ErrInvalid, nil},
				{"closed", closed, ErrClosed, l},
				{"loop destroyed", orphan, ErrClosed, dl},
			} {
				t.Run(tc.name, func(t *testing.T) {
					callAll(t, tc.w, tc.want, tc.wantLoop, liveW)
					// And through the Watcher interface, as Hub.Wait calls them.
					if w, ok := tc.w.(Watcher); ok {
						assert.NotPanics(t, func() {
							assert.ErrorIs(t, live.FeedEvent(w, EV_CUSTOM), tc.want)
						})
					}
				})
			}
		})
	}
}

func TestFeedEventBadWatcher(t *testing.T) {
	l := newLoop(t)
	other := newLoop(t)
	foreign, err := other.NewTimer(1, 0, func(*Timer, int) {})
	require.NoError(t, err)
	closed, err := l.NewTimer(1, 0, func(*Timer, int) {})
	require.NoError(t, err)
	require.NoError(t, closed.Close())

	for _, tc := range []struct {
		name string
		w    Watcher
		want error
	}{
		{"nil interface", nil, ErrInvalid},
		{"nil *Timer", (*Timer)(nil), ErrInvalid},
		{"nil *IO", (*IO)(nil), ErrInvalid},
		{"zero Timer", &Timer{}, ErrInvalid},
		{"closed", closed, ErrClosed},
		{"other loop", foreign, ErrWrongLoop},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.NotPanics(t, func() {
				err := l.FeedEvent(tc.w, EV_CUSTOM)
				assert.ErrorIs(t, err, tc.want)
				assert.ErrorContains(t, err, "Loop.FeedEvent")
			})
			assert.Zero(t, l.PendingCount())
		})
	}
}

// revents of Loop.FeedEvent and Invoke: a non-empty OR of the EV_* event
// bits, as checkRevents documents.
func TestReventsValidation(t *testing.T) {
	for _, tc := range []struct {
		revents int
		ok      bool
	}{
		{EV_READ, true},
		{EV_READ | EV_WRITE, true},
		{EV_TIMER, true},
		{EV_CUSTOM, true},
		{EV_ASYNC | EV_CUSTOM, true},
		{EV_CLEANUP, true},
		{EV_ERROR, true},
		{EV_ERROR | EV_READ | EV_WRITE, true},
		{EV_NONE, false},
		{EV_UNDEF, false},
		{-5, false},
		{0x80, false},    // EV__IOFDSET, libev-internal
		{0x10000, false}, // EV_EMBED: no embed watcher in cev
		{0x4, false},     // no such bit
		{EV_CUSTOM << 1, false},
		{1 << 32, false},         // does not fit C's int
		{EV_READ | 1<<40, false}, // nor does this
		{0x80000000, false},      // EV_ERROR must be the negative C int
	} {
		t.Run(fmt.Sprintf("%#x", tc.revents), func(t *testing.T) {
			l := newLoop(t)
			var got []int
			w, err := l.NewIdle(func(_ *Idle, revents int) { got = append(got, revents) })
			require.NoError(t, err)

			ierr := w.Invoke(tc.revents)
			ferr := l.FeedEvent(w, tc.revents)
			_, err = l.Run(EVRUN_NOWAIT)
			require.NoError(t, err)
			if tc.ok {
				assert.NoError(t, ierr)
				assert.NoError(t, ferr)
				assert.Equal(t, []int{tc.revents, tc.revents}, got)
				return
			}
			assert.ErrorIs(t, ierr, ErrInvalid)
			assert.ErrorContains(t, ierr, "Idle.Invoke")
			assert.ErrorIs(t, ferr, ErrInvalid)
			assert.ErrorContains(t, ferr, "Loop.FeedEvent")
			assert.Empty(t, got, "the callback must not run")
			assert.False(t, w.IsPending())
		})
	}
}

func TestNilError(t *testing.T) {
	var e *Error
	assert.NotPanics(t, func() {
		assert.Equal(t, "cev: <nil>", e.Error())
		assert.Nil(t, e.Unwrap())
	})
	assert.Equal(t, "cev: Op", (&Error{Op: "Op"}).Error())
}

// Async.Send is the one method called from other goroutines; its receiver
// checks must hold there too.
func TestAsyncSendBadReceiverFromGoroutine(t *testing.T) {
	done := make(chan error, 2)
	go func() { done <- (*Async)(nil).Send() }()
	go func() { done <- (&Async{}).Send() }()
	assert.ErrorIs(t, <-done, ErrInvalid)
	assert.ErrorIs(t, <-done, ErrInvalid)
}
