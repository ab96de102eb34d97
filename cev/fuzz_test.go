package cev

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzWatchers drives a few timers (never due by themselves) through random
// start/stop/feed/clear/run sequences and checks cev against a model of
// libev's pending semantics: a watcher is dispatched only if fed since its
// last dispatch, stop or clear, once per feed batch, with the OR of what
// was fed, in priority order; a watcher stopped by an earlier callback of
// the same dispatch is not dispatched.
func FuzzWatchers(f *testing.F) {
	f.Add([]byte{0, 2, 5})
	f.Add([]byte{2, 3, 2, 5, 5})
	f.Add([]byte{0x02, 0x0a, 0x12, 0x1a, 0x05})
	f.Add([]byte{0x06, 0x0e, 0x02, 0x0a, 0x05, 0x01, 0x05})
	f.Add([]byte{0x02, 0x04, 0x05, 0x07, 0x0f, 0x02, 0x1a, 0x05})
	f.Add([]byte{0x08, 0x00, 0x0a, 0x0b, 0x05, 0x09, 0x0d, 0x05})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 256 {
			ops = ops[:256]
		}
		l, err := NewLoop()
		require.NoError(t, err)
		defer l.Destroy()

		const n = 4
		var (
			ws      [n]*Timer
			pending [n]int // model: revents fed and not dispatched
			victim  = [n]int{-1, -1, -1, -1}
			lastPri int
		)
		for i := range ws {
			i := i
			ws[i], err = l.NewTimer(100, 0, func(w *Timer, revents int) {
				require.NotZero(t, pending[i], "watcher %d dispatched without a pending feed", i)
				require.Equal(t, pending[i], revents, "watcher %d revents", i)
				require.LessOrEqual(t, w.Priority(), lastPri, "priority order")
				lastPri = w.Priority()
				pending[i] = 0
				if v := victim[i]; v >= 0 {
					require.NoError(t, ws[v].Stop())
					pending[v] = 0
				}
			})
			require.NoError(t, err)
		}
		for _, b := range ops {
			i := int(b>>3) % n
			w := ws[i]
			switch b & 7 {
			case 0:
				require.NoError(t, w.Start())
			case 1:
				require.NoError(t, w.Stop())
				pending[i] = 0
			case 2:
				require.NoError(t, l.FeedEvent(w, EV_CUSTOM))
				pending[i] |= EV_CUSTOM
			case 3:
				require.NoError(t, l.FeedEvent(w, EV_TIMER))
				pending[i] |= EV_TIMER
			case 4:
				require.Equal(t, pending[i], w.ClearPending())
				pending[i] = 0
			case 5:
				lastPri = EV_MAXPRI
				_, err := l.Run(EVRUN_NOWAIT)
				require.NoError(t, err)
				for j := range pending {
					require.Zero(t, pending[j], "watcher %d still pending after Run", j)
				}
			case 6:
				if !w.IsActive() && !w.IsPending() {
					require.NoError(t, w.SetPriority(int(b>>5)%numPri+EV_MINPRI))
				}
			case 7:
				victim[i] = int(b>>5) % n
			}
			for j := range ws {
				require.Equal(t, pending[j] != 0, ws[j].IsPending(), "IsPending of %d", j)
			}
			if Embedded {
				require.Equal(t, realActivecnt(l), int(l.c.activecnt), "tracked activecnt")
			}
		}
		require.NoError(t, l.Verify())
	})
}
