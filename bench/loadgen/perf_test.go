package main

import (
	"bufio"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePerf plays perf's side of the control fifos: it reads n commands from
// ctl and answers each with answer on ack; commands returns what it read.
func fakePerf(t *testing.T, n int, answer string) (spec string, commands func() []string) {
	t.Helper()
	dir := t.TempDir()
	ctl, ack := filepath.Join(dir, "ctl"), filepath.Join(dir, "ack")
	require.NoError(t, syscall.Mkfifo(ctl, 0o600))
	require.NoError(t, syscall.Mkfifo(ack, 0o600))
	var got []string
	var wg sync.WaitGroup
	wg.Go(func() {
		// O_RDWR opens a fifo without waiting for the other end, as perf does.
		c, err := os.OpenFile(ctl, os.O_RDWR, 0)
		if !assert.NoError(t, err) {
			return
		}
		defer c.Close()
		a, err := os.OpenFile(ack, os.O_RDWR, 0)
		if !assert.NoError(t, err) {
			return
		}
		defer a.Close()
		sc := bufio.NewScanner(c)
		for len(got) < n && sc.Scan() {
			got = append(got, sc.Text())
			if _, err := a.WriteString(answer); !assert.NoError(t, err) {
				return
			}
		}
	})
	return ctl + "," + ack, func() []string {
		wg.Wait()
		return got
	}
}

func TestRunDrivesPerf(t *testing.T) {
	spec, commands := fakePerf(t, 2, "ack\n\x00")
	p, err := openPerfControl(spec)
	require.NoError(t, err)
	defer p.Close()
	res, err := run(config{addr: echoServer(t), conns: 2, size: 16, warmup: 10 * time.Millisecond, duration: 50 * time.Millisecond, perf: p})
	require.NoError(t, err)
	assert.Positive(t, res.rps)
	assert.Equal(t, []string{"enable", "disable"}, commands(), "counting covers the measuring window")
}

func TestPerfControlRejects(t *testing.T) {
	for _, bad := range []string{"", "ctl", ",ack", "ctl,", filepath.Join(t.TempDir(), "none") + ",x"} {
		_, err := openPerfControl(bad)
		assert.ErrorIs(t, err, errPerfControl, "%q", bad)
	}
	spec, commands := fakePerf(t, 1, "nak\n")
	p, err := openPerfControl(spec)
	require.NoError(t, err)
	defer p.Close()
	assert.ErrorIs(t, p.send("enable"), errPerfControl, "perf must acknowledge")
	assert.Equal(t, []string{"enable"}, commands())
}
