package main

import (
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer serves echo on loopback from this process until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func TestRunMeasuresServerCPU(t *testing.T) {
	addr := echoServer(t)
	// The server is this process: its CPU time is the server's.
	res, err := run(config{addr: addr, conns: 4, size: 64, warmup: 20 * time.Millisecond, duration: 300 * time.Millisecond, pid: os.Getpid()})
	require.NoError(t, err)
	assert.Positive(t, res.rps)
	assert.Positive(t, res.p99us)
	assert.Positive(t, res.cpuNs, "an echo costs its server some CPU")
	assert.Less(t, res.sysNs, res.cpuNs, "the kernel's part is a part")
}

func TestRunWithoutPID(t *testing.T) {
	res, err := run(config{addr: echoServer(t), conns: 2, size: 16, duration: 50 * time.Millisecond})
	require.NoError(t, err)
	assert.Positive(t, res.rps)
	assert.Zero(t, res.cpuNs, "no pid, no CPU figures")
}

func TestRunServerGone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, err = run(config{addr: addr, conns: 2, size: 16, duration: 50 * time.Millisecond})
	assert.Error(t, err)
}

func TestCPUPerRequest(t *testing.T) {
	t0 := time.Unix(100, 0)
	first := cpuSample{at: t0, cpu: time.Second, user: 600 * time.Millisecond, sys: 400 * time.Millisecond}
	end := cpuSample{at: t0.Add(2 * time.Second), cpu: 3 * time.Second, user: 1100 * time.Millisecond, sys: 1900 * time.Millisecond}
	// 2 s of CPU for 1000 req/s over 2 s: 1 ms a request, three quarters in the kernel.
	cpu, sys, err := cpuPerRequest(first, end, 1000)
	require.NoError(t, err)
	assert.InDelta(t, 1e6, cpu, 1e-6)
	assert.InDelta(t, 0.75e6, sys, 1e-6)

	_, _, err = cpuPerRequest(first, first, 1000)
	assert.Error(t, err, "an empty window holds no requests")
	end.user, end.sys = first.user, first.sys
	_, _, err = cpuPerRequest(first, end, 1000)
	assert.ErrorIs(t, err, errNoTicks)
}
