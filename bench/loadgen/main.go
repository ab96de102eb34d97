// Command loadgen is the one load generator used against every server of
// bench/: -conns connections on loopback, each sending a -size message and
// waiting for its echo (or, with -http, a GET and its response), for
// -duration. It prints requests per
// second and the p99 round-trip latency as two JSON result lines, and with
// -pid the server process's CPU time per request over the same window, in
// total and its system (kernel) part, as two more. With -perf-control it
// enables a perf stat running the server over that window only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "", "server address host:port")
	flag.IntVar(&cfg.conns, "conns", 50, "concurrent connections")
	flag.IntVar(&cfg.size, "size", 64, "echo message size in bytes")
	flag.StringVar(&cfg.httpPath, "http", "", "PATH: send HTTP/1.1 GET PATH requests over keep-alive connections instead of echo messages (a 200 answer with its body read is a request)")
	flag.DurationVar(&cfg.duration, "duration", time.Second, "measuring time")
	flag.DurationVar(&cfg.warmup, "warmup", 200*time.Millisecond, "unmeasured time before measuring")
	name := flag.String("name", "echo", "metric prefix: <name>_rps, <name>_p99, <name>_cpu and <name>_cpu_sys")
	flag.IntVar(&cfg.pid, "pid", 0, "the server's process id: report its CPU time per request (0: do not)")
	perfCtl := flag.String("perf-control", "", "CTL,ACK: the control fifos of a `perf stat -D -1 --control fifo:CTL,ACK` running the server; counting is enabled over the measuring window only")
	flag.Parse()
	if cfg.addr == "" || cfg.conns < 1 || cfg.size < 1 || cfg.duration <= 0 || cfg.pid < 0 {
		benchio.Fail(errors.New("usage: loadgen -addr host:port [-conns 50] [-size 64] [-duration 1s] [-pid server-pid] [-perf-control CTL,ACK]"))
	}
	if *perfCtl != "" {
		p, err := openPerfControl(*perfCtl)
		if err != nil {
			benchio.Fail(err)
		}
		defer p.Close()
		cfg.perf = p
	}
	res, err := run(cfg)
	if err != nil {
		benchio.Fail(err)
	}
	benchio.Emit(*name+"_rps", "req/s", res.rps)
	benchio.Emit(*name+"_p99", "us", res.p99us)
	if cfg.pid > 0 {
		benchio.Emit(*name+"_cpu", "ns/req", res.cpuNs)
		benchio.Emit(*name+"_cpu_sys", "ns/req", res.sysNs)
	}
}

// config is what to run.
type config struct {
	addr             string
	conns, size      int
	httpPath         string // non-empty: HTTP/1.1 GETs of this path instead of echoes
	warmup, duration time.Duration
	pid              int          // > 0: sample this process's CPU time over the window
	perf             *perfControl // non-nil: enable perf's counting over the window
}

// result is what one run measured; the CPU figures only with a pid.
type result struct {
	rps, p99us   float64
	cpuNs, sysNs float64 // server CPU per request, in total and in the kernel
}

// run connects every client first, then lets them loop until the deadline;
// only requests started after the warm-up count. The CPU samples and perf's
// counting cover the same window.
func run(cfg config) (result, error) {
	cs, err := dial(cfg.addr, cfg.conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	if err != nil {
		return result{}, err
	}
	start := time.Now().Add(cfg.warmup)
	end := start.Add(cfg.duration)
	var win *cpuWindow
	if cfg.pid > 0 {
		win = watchCPU(cfg.pid, start, end)
	}
	var perf *edges
	if cfg.perf != nil {
		perf = watchPerf(cfg.perf, start, end)
	}
	lat := make([][]time.Duration, cfg.conns)
	errs := make([]error, cfg.conns)
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { lat[i], errs[i] = client(i, c, cfg.requester(), start, end) })
	}
	wg.Wait()
	if perf != nil {
		errs = append(errs, perf.wait())
	}
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	var res result
	if res.rps, res.p99us, err = summarize(slices.Concat(lat...), cfg.duration); err != nil {
		return result{}, err
	}
	if win != nil {
		res.cpuNs, res.sysNs, err = win.perRequest(res.rps)
	}
	return res, err
}

// dial opens conns connections to addr with Nagle off; on an error it
// returns the ones already open with it, for the caller to close.
func dial(addr string, conns int) ([]net.Conn, error) {
	cs := make([]net.Conn, 0, conns)
	for range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return cs, err
		}
		c.(*net.TCPConn).SetNoDelay(true)
		cs = append(cs, c)
	}
	return cs, nil
}

// client is connection i's loop: it makes requests until end, and returns
// the round-trip times of the requests started after start.
func client(i int, c net.Conn, newReq func(i int, c net.Conn) requester, start, end time.Time) ([]time.Duration, error) {
	req := newReq(i, c)
	c.SetDeadline(end.Add(5 * time.Second))
	var lat []time.Duration
	for {
		t0 := time.Now()
		if !t0.Before(end) {
			return lat, nil
		}
		if err := req(); err != nil {
			return lat, fmt.Errorf("conn %d: %w", i, err)
		}
		if !t0.Before(start) {
			lat = append(lat, time.Since(t0))
		}
	}
}

// summarize returns the requests per second over duration and the p99 of
// the round-trip times, in microseconds.
func summarize(all []time.Duration, duration time.Duration) (rps, p99us float64, err error) {
	if len(all) == 0 {
		return 0, 0, errors.New("no request completed")
	}
	slices.Sort(all)
	p := all[(len(all)*99+99)/100-1]
	return float64(len(all)) / duration.Seconds(), float64(p.Nanoseconds()) / 1e3, nil
}
