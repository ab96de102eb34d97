package scheduler

import (
	"time"

	"github.com/geventgo/geventgo/cev"
)

// hubTimer is a pooled cev timer whose callback calls fire; pooling avoids a
// C allocation per Sleep, Timeout and StartLater.
type hubTimer struct {
	t    *cev.Timer
	fire func()
	low  bool // priority timeoutPriority, from the Timeout pool
}

// timeoutPriority is the priority of Timeout timers, as gevent's Timeout
// (priority=-1): when a Timeout and a sleep expire in the same iteration, the
// sleep's greenlet runs first and can cancel the Timeout before it fires.
const timeoutPriority = -1

// getTimer returns a started timer that calls fire once after d.
func (h *Hub) getTimer(d time.Duration, fire func()) (*hubTimer, error) {
	return h.getTimerPri(d, fire, false)
}

func (h *Hub) getTimerPri(d time.Duration, fire func(), low bool) (*hubTimer, error) {
	pool := &h.timers
	if low {
		pool = &h.timersLow
	}
	var ht *hubTimer
	if n := len(*pool); n > 0 {
		ht = (*pool)[n-1]
		*pool = (*pool)[:n-1]
	} else {
		ht = &hubTimer{low: low}
		t, err := h.loop.NewTimer(0, 0, func(*cev.Timer, int) {
			if f := ht.fire; f != nil {
				f()
			}
		})
		if err != nil {
			return nil, err
		}
		if low {
			if err := t.SetPriority(timeoutPriority); err != nil {
				_ = t.Close()
				return nil, err
			}
		}
		ht.t = t
	}
	ht.fire = fire
	if h.draining {
		_ = h.loop.UpdateNow()
	}
	if err := ht.t.Set(seconds(d), 0); err != nil {
		h.putTimer(ht)
		return nil, err
	}
	if err := ht.t.Start(); err != nil {
		h.putTimer(ht)
		return nil, err
	}
	return ht, nil
}

// putTimer stops a timer and returns it to the pool.
func (h *Hub) putTimer(ht *hubTimer) {
	// A timer that fired is neither active nor pending: skip the cgo call.
	if ht.t.IsActive() || ht.t.IsPending() {
		_ = ht.t.Stop()
	}
	ht.fire = nil
	pool := &h.timers
	if ht.low {
		pool = &h.timersLow
	}
	if len(*pool) < 256 {
		*pool = append(*pool, ht)
	} else {
		_ = ht.t.Close()
	}
}

func seconds(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return d.Seconds()
}
