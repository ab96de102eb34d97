package scheduler

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestPostFromManyGoroutines(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		const n, per = 8, 200
		total := 0
		w := NewWaiter("")
		release, err := h.KeepAlive()
		require.NoError(t, err)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range per {
					assert.NoError(t, h.Post(func() {
						total++
						if total == n*per {
							release()
							w.Switch("all")
						}
					}))
				}
			}()
		}
		v, err := w.Get(bg)
		require.NoError(t, err)
		assert.Equal(t, "all", v)
		assert.Equal(t, n*per, total)
		wg.Wait()
	})
}

func TestHubSwitchLoopExitAndReuse(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		_, err := h.Switch()
		assert.ErrorIs(t, err, ErrLoopExit)
		require.NoError(t, Sleep(bg, time.Millisecond))
		w := NewWaiter("")
		_, err = w.Get(bg)
		assert.ErrorIs(t, err, ErrLoopExit)
	})
}

func TestHubJoin(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		n := 0
		for range 3 {
			Go(func() error { n++; return Sleep(bg, time.Millisecond) })
		}
		require.NoError(t, h.Join(bg))
		assert.Equal(t, 3, n)

		stuck := Go(func() error { _, err := NewWaiter("forever").Get(bg); return err })
		stuck.SetName("stuck")
		err := h.Join(bg)
		var le *LoopExitError
		require.ErrorAs(t, err, &le)
		require.Len(t, le.Blocked, 1)
		assert.Equal(t, "stuck", le.Blocked[0].Name)
		assert.Equal(t, "forever", le.Blocked[0].WaitingOn)
	})
}
