package event_test

import (
	"bufio"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/scheduler"
)

// BenchmarkEventWake10k reports the cost per waiter of waking 10,000
// greenlets blocked on one Event.
func BenchmarkEventWake10k(b *testing.B) {
	const n = 10000
	run(b, func() error {
		b.ResetTimer()
		for range b.N {
			var e event.Event
			for range n {
				scheduler.Go(func() error { err := e.Wait(bg); return err })
			}
			_ = scheduler.Sleep(bg, 0)
			e.Set()
			_ = scheduler.Sleep(bg, 0)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/waiter")
		return nil
	})
}

// BenchmarkEventSetWake10k is bench/py/event_wake.py's shape: 10k greenlets
// already parked in Wait, timed from Set until every one has run and
// finished; spawning and parking them is outside the timer. cpu-ns/waiter is
// the process's CPU time, steadier than wall time on a loaded machine. Under
// `perf record -D -1 --control=fifo:CTL,ACK` with PERF_CTL=CTL and
// PERF_ACK=ACK in its environment it also switches perf on over the timed
// window only (docs/performance.md).
func BenchmarkEventSetWake10k(b *testing.B) {
	const n = 10000
	perf := perfControl(b)
	run(b, func() error {
		gs := make([]*scheduler.Greenlet[struct{}], n)
		var wall, cpu time.Duration
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			var e, done event.Event
			left := n
			for i := range gs {
				gs[i] = scheduler.Go(func() error {
					if err := e.Wait(bg); err != nil {
						return err
					}
					if left--; left == 0 {
						done.Set()
					}
					return nil
				})
			}
			if err := scheduler.Sleep(bg, 0); err != nil {
				return err
			}
			require.Equal(b, n, e.LinkCount())
			b.StartTimer()
			perf("enable")
			t0, c0 := time.Now(), processCPU()
			e.Set()
			if err := done.Wait(bg); err != nil {
				return err
			}
			wall += time.Since(t0)
			cpu += processCPU() - c0
			perf("disable")
			b.StopTimer()
			if _, err := scheduler.JoinAll(bg, gs); err != nil {
				return err
			}
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(wall.Nanoseconds())/float64(b.N*n), "ns/waiter")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/waiter")
		return nil
	})
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perfControl returns a function that sends a command to perf's control
// fifo named by PERF_CTL and waits for its acknowledgement on PERF_ACK; a
// function that does nothing when PERF_CTL is unset.
func perfControl(b *testing.B) func(cmd string) {
	ctlPath := os.Getenv("PERF_CTL")
	if ctlPath == "" {
		return func(string) {}
	}
	ctl, err := os.OpenFile(ctlPath, os.O_WRONLY, 0)
	require.NoError(b, err)
	ackf, err := os.Open(os.Getenv("PERF_ACK"))
	require.NoError(b, err)
	b.Cleanup(func() { _, _ = ctl.Close(), ackf.Close() })
	ack := bufio.NewReader(ackf)
	return func(cmd string) {
		_, err := ctl.WriteString(cmd + "\n")
		require.NoError(b, err)
		_, err = ack.ReadString('\n')
		require.NoError(b, err)
	}
}
