package scheduler

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withHub runs fn with a fresh hub whose errors go to the returned buffer.
func withHub(t *testing.T, fn func(h *Hub, errs *bytes.Buffer)) {
	t.Helper()
	h, err := NewHub()
	require.NoError(t, err)
	var buf bytes.Buffer
	h.SetErrorOutput(&buf)
	fn(h, &buf)
	require.NoError(t, h.Destroy())
}

func TestSpawnOrderAndJoin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []string
		var gs []*Greenlet[int]
		for i := range 3 {
			gs = append(gs, Spawn(func() (int, error) {
				trace = append(trace, fmt.Sprintf("start %d", i))
				require.NoError(t, Sleep(bg, 0))
				trace = append(trace, fmt.Sprintf("end %d", i))
				return i * 10, nil
			}))
		}
		trace = append(trace, "spawned")
		done, err := Wait(bg, gs, 0)
		require.NoError(t, err)
		assert.Len(t, done, 3)
		assert.Equal(t, []string{"spawned", "start 0", "start 1", "start 2", "end 0", "end 1", "end 2"}, trace)
		for i, g := range gs {
			v, err := g.Get(bg)
			require.NoError(t, err)
			assert.Equal(t, i*10, v)
			assert.True(t, g.Successful())
			assert.True(t, g.Dead())
		}
	})
}

func TestSleepTimerOrder(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var trace []int
		for _, ms := range []int{30, 10, 20} {
			Go(func() error {
				if err := Sleep(bg, time.Duration(ms)*time.Millisecond); err != nil {
					return err
				}
				trace = append(trace, ms)
				return nil
			})
		}
		require.NoError(t, Sleep(bg, 60*time.Millisecond))
		assert.Equal(t, []int{10, 20, 30}, trace)
	})
}

func TestLoopExit(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error {
			w := NewWaiter("Event.wait")
			_, err := w.Get(bg)
			return err
		})
		g.SetName("waiter-1")
		err := g.Join(bg)
		require.Error(t, err)
		assert.True(t, errors.Is(err, ErrLoopExit))
		var le *LoopExitError
		require.ErrorAs(t, err, &le)
		msg := err.Error()
		assert.Contains(t, msg, "main waiting on join waiter-1")
		assert.Contains(t, msg, "waiter-1 waiting on Event.wait")
		assert.Contains(t, msg, "TestLoopExit")
	})
}

func TestPanicReported(t *testing.T) {
	withHub(t, func(h *Hub, errs *bytes.Buffer) {
		g := Go(func() error { panic("boom") })
		require.NoError(t, g.Join(bg))
		assert.False(t, g.Successful())
		var pe *PanicError
		require.ErrorAs(t, g.Err(), &pe)
		assert.Equal(t, "boom", pe.Value)
		assert.Contains(t, errs.String(), "Greenlet-")
		assert.Contains(t, errs.String(), "panic: boom")
		// The hub goes on.
		g2 := Spawn(func() (string, error) { return "ok", nil })
		v, err := g2.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "ok", v)
	})
}

func TestTwoHubsSideBySide(t *testing.T) {
	var wg sync.WaitGroup
	results := make([]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := Main(func() error {
				var parts []string
				var gs []*Greenlet[struct{}]
				for j := range 50 {
					gs = append(gs, Go(func() error {
						for k := range 3 {
							if err := Sleep(bg, time.Duration(k)*time.Millisecond); err != nil {
								return err
							}
						}
						parts = append(parts, fmt.Sprint(j))
						return nil
					}))
				}
				if _, err := JoinAll(bg, gs); err != nil {
					return err
				}
				results[i] = strings.Join(parts[:3], ",")
				return nil
			})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, "0,1,2", results[0])
	assert.Equal(t, "0,1,2", results[1])
}
