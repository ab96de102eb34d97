package benchio

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestScaleAndN(t *testing.T) {
	t.Setenv("BENCH_SCALE", "0.25")
	assert.Equal(t, 0.25, Scale())
	assert.Equal(t, 250, N(1000))
	assert.Equal(t, 1, N(2), "never below one")
	for _, bad := range []string{"", "x", "-1", "0"} {
		t.Setenv("BENCH_SCALE", bad)
		assert.Equal(t, 1.0, Scale(), "BENCH_SCALE=%q", bad)
	}
}

func TestPerOp(t *testing.T) {
	assert.Equal(t, 250.0, PerOp(time.Millisecond, 4000))
}

func TestRSS(t *testing.T) {
	rss, err := RSS()
	require.NoError(t, err)
	assert.Greater(t, rss, int64(1<<20), "a Go test process has more than 1 MiB resident")
}

func TestProfileWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.pprof")
	t.Setenv(ProfileEnv, path)
	windows = 0
	for range 2 {
		stop := ProfileWindow()
		stop()
	}
	for _, f := range []string{path + ".0", path + ".1"} {
		st, err := os.Stat(f)
		require.NoError(t, err, "each window writes its own file")
		assert.Positive(t, st.Size(), f)
	}
	assert.NoFileExists(t, path, "no whole-run profile")

	t.Setenv(ProfileEnv, "")
	ProfileWindow()() // without the variable, nothing is profiled
	assert.NoFileExists(t, path+".2")
}
