package scheduler

import (
	"bytes"
	"testing"
	"time"

	"github.com/geventgo/geventgo/greenlet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForeignGoroutine(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		g := Go(func() error { return Sleep(bg, 5*time.Millisecond) })
		w := NewWaiter("")
		var errs [5]error
		done := make(chan struct{})
		go func() {
			defer close(done)
			errs[0] = g.Join(bg)
			_, errs[1] = w.Get(bg)
			_, errs[2] = h.Switch()
			errs[3] = g.KillAsync(nil)
			_, errs[4] = g.TryGet()
		}()
		<-done
		for _, err := range errs {
			assert.ErrorIs(t, err, ErrNotGreenlet)
		}
		require.NoError(t, g.Join(bg))
	})
}

func TestRawGreenletGetsErrNotGreenlet(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		raw, err := greenlet.NewWithParent(greenlet.Current(), func(any) (any, error) {
			assert.Nil(t, CurrentHub(), "a raw greenlet is not one of the hub's")
			return nil, Sleep(bg, 0)
		})
		require.NoError(t, err)
		_, err = raw.Switch(nil)
		assert.ErrorIs(t, err, ErrNotGreenlet)
	})
}

func TestCurrentHubAndOnHub(t *testing.T) {
	done := make(chan *Hub)
	go func() { done <- CurrentHub() }()
	assert.Nil(t, <-done)
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		assert.Same(t, h, CurrentHub())
		assert.True(t, h.OnHub())
		assert.False(t, h.InHub())
		inHub := false
		h.RunCallback(func() { inHub = h.InHub() })
		g := Spawn(func() (bool, error) { return h.OnHub() && !h.InHub(), nil })
		v, err := g.Get(bg)
		require.NoError(t, err)
		assert.True(t, v)
		assert.True(t, inHub)
		foreign := make(chan bool)
		go func() { foreign <- h.OnHub() }()
		assert.False(t, <-foreign)
	})
}

// A blocking call made in the hub greenlet (a callback) says so: it matched ErrNotGreenlet with
// the sentinel's own words, "not called from a greenlet of this hub", which the hub greenlet is.
// A plain goroutine, which has no hub, says that (it got those words too, and "this hub" named a
// hub that is not there); a greenlet of another hub gets the sentinel's words. Each text reads
// the refusal once (the hub greenlet's ended in ": not called from a greenlet of this hub").
func TestBlockingCallInHubSaysSo(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		var sleepErr, waitErr, switchErr error
		h.RunCallback(func() {
			sleepErr = Sleep(bg, 0)
			_, waitErr = NewWaiter("test").Get(bg)
			_, switchErr = h.Switch()
		})
		require.NoError(t, Sleep(bg, 0))
		for _, err := range []error{sleepErr, waitErr, switchErr} {
			assert.ErrorIs(t, err, ErrNotGreenlet)
			assert.ErrorContains(t, err, "in the hub greenlet")
			assert.NotContains(t, err.Error(), "of this hub")
		}
		foreign := make(chan error)
		go func() { foreign <- Sleep(bg, 0) }()
		err := <-foreign
		assert.ErrorIs(t, err, ErrNotGreenlet)
		assert.EqualError(t, err, "scheduler: Sleep: not called from a greenlet: no hub runs on this goroutine")
		go func() { foreign <- h.Check() }()
		assert.EqualError(t, <-foreign, "not called from a greenlet: no hub runs on this goroutine")
		go func() {
			var unbound Binding // an object no greenlet used yet
			_, err := unbound.Check()
			foreign <- err
		}()
		assert.EqualError(t, <-foreign, "not called from a greenlet: no hub runs on this goroutine")
		go func() { foreign <- Go(func() error { return nil }).Err() }()
		assert.EqualError(t, <-foreign, "scheduler: Go: not called from a greenlet: no hub runs on this goroutine")
		go func() {
			_, err := SpawnRaw(func() error { return nil })
			foreign <- err
		}()
		assert.EqualError(t, <-foreign, "scheduler: SpawnRaw: not called from a greenlet: no hub runs on this goroutine")
		go func() {
			var l Local[int]
			foreign <- l.Set(1)
		}()
		assert.EqualError(t, <-foreign, "scheduler: Local.Set: not called from a greenlet: no hub runs on this goroutine")
		other := make(chan error)
		go func() {
			other <- Main(func() error { return h.Check() })
		}()
		err = <-other
		assert.ErrorIs(t, err, ErrNotGreenlet)
		assert.ErrorContains(t, err, "not called from a greenlet of this hub")
	})
}
