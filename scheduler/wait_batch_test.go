package scheduler

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// finishingInTurn spawns n greenlets; the i-th yields i times before it
// returns, so they finish one per loop pass.
func finishingInTurn(n int) []*Greenlet[struct{}] {
	gs := make([]*Greenlet[struct{}], n)
	for i := range gs {
		gs[i] = Go(func() error {
			for range i {
				if err := Sleep(context.Background(), 0); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return gs
}

// Wait and JoinAll wake their caller once, when everything is ready; IWait
// wakes it for each object, since its loop body runs in between.
func TestWaitAndJoinAllWakeTheWaiterOnce(t *testing.T) {
	const n = 10
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		switchesDuring := func(wait func([]*Greenlet[struct{}]) error) uint64 {
			gs := finishingInTurn(n)
			before := h.switches
			require.NoError(t, wait(gs))
			return h.switches - before
		}
		perObject := switchesDuring(func(gs []*Greenlet[struct{}]) error {
			for _, err := range IWait(context.Background(), gs, 0) {
				if err != nil {
					return err
				}
			}
			return nil
		})
		joinAll := switchesDuring(func(gs []*Greenlet[struct{}]) error {
			_, err := JoinAll(context.Background(), gs)
			return err
		})
		wait := switchesDuring(func(gs []*Greenlet[struct{}]) error {
			_, err := Wait(context.Background(), gs, 0)
			return err
		})
		// The per-object waiter goes back to the hub once more for each of
		// the first n-1 objects.
		assert.Equal(t, perObject-(n-1), joinAll)
		assert.Equal(t, joinAll, wait)
	})
}

// A batched wait that fails still returns the objects that were ready
// before the failure, as a wait woken for each of them would have.
func TestWaitReturnsWhatWasReadyBeforeItsContextEnded(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		ctx, cancel := context.WithCancel(context.Background())
		block := NewWaiter("block")
		first := Go(func() error { return nil })
		second := Go(func() error { _, err := block.Get(context.Background()); return err })
		Go(func() error {
			// Runs after first finished and its link queued it.
			if err := Sleep(context.Background(), 0); err != nil {
				return err
			}
			cancel()
			return nil
		})
		ready, err := Wait(ctx, []*Greenlet[struct{}]{first, second}, 0)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, []*Greenlet[struct{}]{first}, ready)
		block.Switch(nil)
		require.NoError(t, second.Join(context.Background()))
	})
}

// JoinAll returns at the first failure, without waiting for the others.
func TestJoinAllReturnsAtTheFirstFailure(t *testing.T) {
	withHub(t, func(h *Hub, _ *bytes.Buffer) {
		boom := errors.New("boom")
		block := NewWaiter("block")
		ok := Go(func() error { return nil })
		failing := Go(func() error { return boom })
		blocked := Go(func() error { _, err := block.Get(context.Background()); return err })
		done, err := JoinAll(context.Background(), []*Greenlet[struct{}]{ok, blocked, failing})
		require.ErrorIs(t, err, boom)
		assert.Equal(t, []*Greenlet[struct{}]{ok}, done)
		assert.False(t, blocked.Ready())
		block.Switch(nil)
		require.NoError(t, blocked.Join(context.Background()))
	})
}
