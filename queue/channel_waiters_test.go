package queue_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/queue"
	"github.com/geventgo/geventgo/scheduler"
)

// TestChannelGettersPutters: a Channel's Getters and Putters count the
// greenlets waiting on each side (gevent's getters and putters), Balance is
// their difference, a killed waiter leaves its count, and a nil channel has
// none.
func TestChannelGettersPutters(t *testing.T) {
	var nilC *queue.Channel[int]
	assert.Zero(t, nilC.Getters())
	assert.Zero(t, nilC.Putters())
	run(t, func() error {
		ch := queue.NewChannel[int]()
		counts := func() [3]int { return [3]int{ch.Getters(), ch.Putters(), ch.Balance()} }
		assert.Equal(t, [3]int{0, 0, 0}, counts())

		gs := make([]*scheduler.Greenlet[int], 2)
		for i := range gs {
			gs[i] = scheduler.Spawn(func() (int, error) { return ch.Get(bg) })
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, [3]int{2, 0, -2}, counts())
		require.NoError(t, gs[1].Kill(bg, nil))
		assert.Equal(t, [3]int{1, 0, -1}, counts())
		require.NoError(t, ch.Put(bg, 1))
		assert.Equal(t, [3]int{0, 0, 0}, counts())
		v, err := gs[0].Get(bg)
		require.NoError(t, err)
		assert.Equal(t, 1, v)

		ps := make([]*scheduler.Greenlet[struct{}], 3)
		for i := range ps {
			ps[i] = scheduler.Go(func() error { return ch.Put(bg, 10+i) })
		}
		require.NoError(t, scheduler.Sleep(bg, 0))
		assert.Equal(t, [3]int{0, 3, 3}, counts())
		require.NoError(t, ps[0].Kill(bg, nil))
		assert.Equal(t, [3]int{0, 2, 2}, counts())
		for _, want := range []int{11, 12} {
			v, err := ch.Get(bg)
			require.NoError(t, err)
			assert.Equal(t, want, v)
		}
		assert.Equal(t, [3]int{0, 0, 0}, counts())
		_, err = scheduler.JoinAll(bg, ps[1:])
		return err
	})
}
