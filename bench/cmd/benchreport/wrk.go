package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

// Wrk is the HTTP load generator of the HTTP server rows (Debian's wrk).
const Wrk = "wrk"

// ErrWrk is wrapped by every failure of a wrk run: wrk missing, its output
// unreadable, or errors it saw (socket errors, non-2xx answers).
var ErrWrk = errors.New("wrk")

// The wrk runs of one measurement: one thread (the other core is the
// server's), 50 keep-alive connections, a warm-up run of wrk's shortest
// duration before the measured one.
const (
	wrkThreads = 1
	wrkConns   = 50
	wrkWarmup  = time.Second
)

// wrkSeconds is d in wrk's -d unit, whole seconds, at least 1.
func wrkSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// runWrk starts an HTTP server, warms it up with wrk, then measures it with
// wrk while reading its CPU clock at both ends of wrk's run: what the
// server paid for the requests wrk counted.
func (r *runner) runWrk(ctx context.Context, j job) (map[string]float64, error) {
	var vals map[string]float64
	err := serve(r.command(ctx, j.argv, j.env), stopServer, func(port, pid int) error {
		url := "http://127.0.0.1:" + strconv.Itoa(port) + "/"
		if _, err := r.wrk(ctx, url, wrkWarmup); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		before, err := cpuSample(pid)
		if err != nil {
			return err
		}
		out, err := r.wrk(ctx, url, r.httpDuration)
		if err != nil {
			return err
		}
		after, err := cpuSample(pid)
		if err != nil {
			return err
		}
		vals, err = wrkMetrics(j.w.Name, out, before, after)
		return err
	})
	return vals, err
}

// wrk runs wrk against url for d and returns its report.
func (r *runner) wrk(ctx context.Context, url string, d time.Duration) ([]byte, error) {
	cmd := r.command(ctx, []string{Wrk, "-t" + strconv.Itoa(wrkThreads), "-c" + strconv.Itoa(wrkConns),
		"-d" + strconv.Itoa(wrkSeconds(d)) + "s", "--latency", url}, nil)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %w (make deps installs wrk)", ErrWrk, runError(ctx, err, stderr.String()))
	}
	return stdout.Bytes(), nil
}

// serverCPU is a process's CPU time at one instant: the precise total, and
// /proc's tick counts that split it between user code and the kernel.
type serverCPU struct {
	total, user, sys time.Duration
}

func cpuSample(pid int) (serverCPU, error) {
	var s serverCPU
	var err error
	if s.total, err = benchio.ProcessCPU(pid); err != nil {
		return s, err
	}
	s.user, s.sys, err = benchio.ProcessTimes(pid)
	return s, err
}

// wrkReport is what one wrk run printed.
type wrkReport struct {
	requests int     // requests completed over the run
	rps      float64 // wrk's Requests/sec
	p99us    float64 // the 99th percentile of the latency, in microseconds
}

var (
	wrkTotal = regexp.MustCompile(`(?m)^\s*(\d+) requests in `)
	wrkRPS   = regexp.MustCompile(`(?m)^Requests/sec:\s+([\d.]+)\s*$`)
	wrkP99   = regexp.MustCompile(`(?m)^\s+99(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$`)
	wrkFault = regexp.MustCompile(`(?m)^\s*(Socket errors: .*|Non-2xx or 3xx responses: \d+)\s*$`)
)

// wrkUnits are wrk's latency units in microseconds.
var wrkUnits = map[string]float64{"us": 1, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}

// parseWrk reads wrk --latency's report. A run in which wrk saw socket
// errors or answers other than 2xx and 3xx is an error: its throughput is
// not the server's.
func parseWrk(out []byte) (wrkReport, error) {
	if m := wrkFault.FindSubmatch(out); m != nil {
		return wrkReport{}, fmt.Errorf("%w saw errors: %s", ErrWrk, m[1])
	}
	total, rps, p99 := wrkTotal.FindSubmatch(out), wrkRPS.FindSubmatch(out), wrkP99.FindSubmatch(out)
	if total == nil || rps == nil || p99 == nil {
		return wrkReport{}, fmt.Errorf("%w: %w: no requests, Requests/sec or 99%% line in %q", ErrWrk, ErrBadOutput, firstLine(string(out)))
	}
	var rep wrkReport
	var errs [3]error
	rep.requests, errs[0] = strconv.Atoi(string(total[1]))
	rep.rps, errs[1] = strconv.ParseFloat(string(rps[1]), 64)
	rep.p99us, errs[2] = strconv.ParseFloat(string(p99[1]), 64)
	if err := errors.Join(errs[:]...); err != nil {
		return wrkReport{}, fmt.Errorf("%w: %w: %v", ErrWrk, ErrBadOutput, err)
	}
	rep.p99us *= wrkUnits[string(p99[2])]
	if rep.requests <= 0 {
		return wrkReport{}, fmt.Errorf("%w: %w: no request completed", ErrWrk, ErrBadOutput)
	}
	return rep, nil
}

// wrkMetrics are a Server workload's four metrics from wrk's report and the
// server's CPU before and after wrk's run: the CPU per request is the
// precise total over wrk's requests, its kernel part split by the ticks.
func wrkMetrics(name string, out []byte, before, after serverCPU) (map[string]float64, error) {
	rep, err := parseWrk(out)
	if err != nil {
		return nil, err
	}
	cpu := float64((after.total - before.total).Nanoseconds()) / float64(rep.requests)
	ticks := (after.user - before.user) + (after.sys - before.sys)
	if ticks <= 0 || cpu <= 0 {
		return nil, fmt.Errorf("%w: the server's CPU time did not move over wrk's run (%v, %v in ticks)", ErrBadOutput, after.total-before.total, ticks)
	}
	return map[string]float64{
		name + "_rps":     rep.rps,
		name + "_p99":     rep.p99us,
		name + "_cpu":     cpu,
		name + "_cpu_sys": cpu * float64(after.sys-before.sys) / float64(ticks),
	}, nil
}

// runClient starts the client workload's server and runs the client
// program against it; the client's own results are the metrics.
func (r *runner) runClient(ctx context.Context, j job) (map[string]float64, error) {
	if len(j.server) == 0 {
		return nil, fmt.Errorf("%w: client workload %s has no server", ErrBadOutput, j.w.Name)
	}
	var vals map[string]float64
	err := serve(r.command(ctx, j.server, nil), stopServer, func(port, _ int) error {
		argv := append(slices.Clone(j.argv), "-url", "http://127.0.0.1:"+strconv.Itoa(port)+"/")
		cmd := r.command(ctx, argv, j.env)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("client: %w", runError(ctx, err, stderr.String()))
		}
		var err error
		vals, err = parseResults(stdout.Bytes(), j.w.Metrics)
		return err
	})
	return vals, err
}
