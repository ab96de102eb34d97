package scheduler

import (
	"sync"
	"testing"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clearConfigEnv unsets every GEVENTGO_ variable for the test, so that the
// machine's environment does not leak in.
func clearConfigEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{EnvLoopBackend, EnvLoopFlags, EnvThreadpoolSize, EnvMaxBlockingTime, EnvSwitchInterval, EnvRecordSpawnStacks, EnvMaxMemoryUsage, EnvMemoryMonitorPeriod} {
		t.Setenv(k, "") // empty counts as unset; restored at the end of the test
	}
}

func TestConfigDefaults(t *testing.T) {
	clearConfigEnv(t)
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		assert.Equal(t, DefaultSwitchInterval, h.SwitchInterval())
		assert.Equal(t, DefaultBlockingThreshold, h.BlockingThreshold())
		assert.Zero(t, h.ThreadpoolSize())
		assert.False(t, h.RecordSpawnStacks())
		assert.NotZero(t, h.Loop().Backend()&cev.RecommendedBackends(), "libev picked a recommended backend")
		return nil
	}))
}

func TestConfigInCode(t *testing.T) {
	clearConfigEnv(t)
	cfg := Config{
		Backend:           cev.EVBACKEND_POLL,
		LoopFlags:         cev.EVFLAG_NOINOTIFY,
		ThreadpoolSize:    3,
		MaxBlockingTime:   250 * time.Millisecond,
		SwitchInterval:    2 * time.Millisecond,
		RecordSpawnStacks: true,
	}
	require.NoError(t, cfg.Main(func() error {
		h := CurrentHub()
		assert.Equal(t, uint(cev.EVBACKEND_POLL), h.Loop().Backend())
		assert.Equal(t, 3, h.ThreadpoolSize())
		assert.Equal(t, 250*time.Millisecond, h.BlockingThreshold())
		assert.Equal(t, 2*time.Millisecond, h.SwitchInterval())
		assert.True(t, h.RecordSpawnStacks())
		h.SetSwitchInterval(0)
		assert.Equal(t, DefaultSwitchInterval, h.SwitchInterval(), "0 restores the default")
		return nil
	}))
	require.NoError(t, Config{MaxBlockingTime: -1}.Main(func() error {
		assert.Zero(t, CurrentHub().BlockingThreshold(), "a negative MaxBlockingTime turns the detector off")
		return nil
	}))
	h, err := Config{SwitchInterval: time.Millisecond}.NewHub()
	require.NoError(t, err)
	assert.Equal(t, time.Millisecond, h.SwitchInterval())
	require.NoError(t, h.Destroy())
}

func TestConfigFromEnvironment(t *testing.T) {
	clearConfigEnv(t)
	t.Setenv(EnvLoopBackend, "select, poll")
	t.Setenv(EnvLoopFlags, "forkcheck,NOINOTIFY,nosigmask")
	t.Setenv(EnvThreadpoolSize, "4")
	t.Setenv(EnvMaxBlockingTime, "0.25")
	t.Setenv(EnvSwitchInterval, "3ms")
	t.Setenv(EnvRecordSpawnStacks, "yes")
	t.Setenv(EnvMaxMemoryUsage, "512MB")
	t.Setenv(EnvMemoryMonitorPeriod, "7")
	cfg, err := ConfigFromEnv()
	require.NoError(t, err)
	assert.Equal(t, Config{
		Backend:             cev.EVBACKEND_SELECT | cev.EVBACKEND_POLL,
		LoopFlags:           cev.EVFLAG_FORKCHECK | cev.EVFLAG_NOINOTIFY,
		ThreadpoolSize:      4,
		MaxBlockingTime:     250 * time.Millisecond,
		SwitchInterval:      3 * time.Millisecond,
		RecordSpawnStacks:   true,
		MaxMemoryUsage:      512 << 20,
		MemoryMonitorPeriod: 7 * time.Second,
	}, cfg)
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		assert.NotZero(t, h.Loop().Backend()&(cev.EVBACKEND_SELECT|cev.EVBACKEND_POLL))
		assert.Equal(t, 4, h.ThreadpoolSize())
		assert.Equal(t, 250*time.Millisecond, h.BlockingThreshold())
		assert.Equal(t, 3*time.Millisecond, h.SwitchInterval())
		assert.True(t, h.RecordSpawnStacks())
		require.NotNil(t, h.mem, "the memory monitor is on")
		assert.Equal(t, uint64(512<<20), h.mem.limit)
		assert.Equal(t, 7*time.Second, h.mem.period)
		return nil
	}))
	// A field set in code wins over the environment.
	require.NoError(t, Config{ThreadpoolSize: 7, SwitchInterval: time.Millisecond}.Main(func() error {
		h := CurrentHub()
		assert.Equal(t, 7, h.ThreadpoolSize())
		assert.Equal(t, time.Millisecond, h.SwitchInterval())
		assert.Equal(t, 250*time.Millisecond, h.BlockingThreshold(), "the fields left zero still come from the environment")
		return nil
	}))
	t.Setenv(EnvMaxBlockingTime, "0")
	require.NoError(t, Main(func() error {
		assert.Zero(t, CurrentHub().BlockingThreshold(), "0 in the environment turns the detector off")
		return nil
	}))
}

// A bad value fails NewHub and Main with an error naming the setting, and
// no hub is made.
func TestConfigBadValues(t *testing.T) {
	bad := []struct{ key, val, says string }{
		{EnvLoopBackend, "kqueue", "unknown name"},
		{EnvLoopBackend, "epoll,", "unknown name"},
		{EnvLoopFlags, "signalfd", "unknown name"},
		{EnvThreadpoolSize, "ten", "not an integer"},
		{EnvThreadpoolSize, "0", "at least 1"},
		{EnvMaxBlockingTime, "-1s", "negative"},
		{EnvMaxBlockingTime, "soon", "not a duration"},
		{EnvSwitchInterval, "0", "positive"},
		{EnvSwitchInterval, "NaN", "not a duration"},
		{EnvRecordSpawnStacks, "maybe", "not a boolean"},
		{EnvMaxMemoryUsage, "lots", "not a byte count"},
		{EnvMaxMemoryUsage, "-1", "not a byte count"},
		{EnvMaxMemoryUsage, "99999999999gb", "not a byte count"},
		{EnvMemoryMonitorPeriod, "0", "positive"},
	}
	for _, b := range bad {
		t.Run(b.key+"="+b.val, func(t *testing.T) {
			clearConfigEnv(t)
			t.Setenv(b.key, b.val)
			ran := false
			err := Main(func() error { ran = true; return nil })
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), b.key)
			assert.Contains(t, err.Error(), b.says)
			assert.False(t, ran)
			assert.Nil(t, CurrentHub())
			_, err = ConfigFromEnv()
			assert.ErrorIs(t, err, ErrInvalidConfig)
		})
	}
}

func TestConfigBadFields(t *testing.T) {
	clearConfigEnv(t)
	for name, cfg := range map[string]Config{
		"ThreadpoolSize":      {ThreadpoolSize: -1},
		"SwitchInterval":      {SwitchInterval: -time.Millisecond},
		"MemoryMonitorPeriod": {MaxMemoryUsage: 1, MemoryMonitorPeriod: -time.Second},
		// Within libev's backend mask, but not on Linux.
		"Backend":   {Backend: 8},
		"LoopFlags": {LoopFlags: 1 << 5},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := cfg.NewHub()
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Nil(t, h)
			assert.Nil(t, CurrentHub())
		})
	}
}

// The switch interval is goroutine-safe: set and read from a goroutine
// while the hub drains (under -race).
func TestSwitchIntervalFromGoroutine(t *testing.T) {
	require.NoError(t, Main(func() error {
		h := CurrentHub()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				h.SetSwitchInterval(time.Duration(i+1) * time.Millisecond)
				_ = h.SwitchInterval()
			}
		}()
		for range 100 {
			h.RunCallback(func() {})
			require.NoError(t, Sleep(bg, 0))
		}
		wg.Wait()
		assert.Equal(t, 100*time.Millisecond, h.SwitchInterval())
		return nil
	}))
	var nh *Hub
	assert.Zero(t, nh.SwitchInterval())
	assert.Zero(t, nh.ThreadpoolSize())
	assert.Zero(t, nh.BlockingThreshold())
}
