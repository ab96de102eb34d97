package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/bench/internal/report"
)

// Perf is the perf binary that counts a server's system calls (Debian's
// linux-perf).
const Perf = "perf"

// ErrNoPerf is returned when perf cannot count a server's system calls.
var ErrNoPerf = errors.New("perf cannot count system calls here (Debian: apt-get install linux-perf)")

// syscallKinds are the system calls counted by kind, beside the total: the
// tracepoints of each kind's calls (libev's epoll_wait, Go's epoll_pwait,
// Python's recvfrom and sendto, Go's and C's read and write).
var syscallKinds = []struct {
	suffix, title string
	events        []string
}{
	{"", "every system call", []string{"raw_syscalls:sys_enter"}},
	{"_read", "read and recvfrom", []string{"syscalls:sys_enter_read", "syscalls:sys_enter_recvfrom"}},
	{"_write", "write and sendto", []string{"syscalls:sys_enter_write", "syscalls:sys_enter_sendto"}},
	{"_poll", "epoll_wait, epoll_pwait and epoll_pwait2", []string{"syscalls:sys_enter_epoll_wait", "syscalls:sys_enter_epoll_pwait", "syscalls:sys_enter_epoll_pwait2"}},
	{"_futex", "futex (a thread sleeping or waking another)", []string{"syscalls:sys_enter_futex"}},
}

// syscallMetrics are the rows of a workload counting a server's system
// calls per request.
func syscallMetrics(name, what string) []report.Metric {
	var out []report.Metric
	for _, k := range syscallKinds {
		out = append(out, report.Metric{Name: name + k.suffix, Unit: "calls/req",
			Title: what + ": " + k.title + " per request, counted by perf over the measuring window of a run of its own (counting slows the server)",
			Bound: "the calls the event loop's design makes"})
	}
	return out
}

func perfEvents() []string {
	var out []string
	for _, k := range syscallKinds {
		out = append(out, k.events...)
	}
	return out
}

// runCounted runs a server under `perf stat` with counting disabled, lets
// the load generator enable it over its measuring window, and returns the
// system calls per request by kind.
func (r *runner) runCounted(ctx context.Context, j job) (map[string]float64, error) {
	dir, err := os.MkdirTemp("", "benchreport-perf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctl, ack, out := filepath.Join(dir, "ctl"), filepath.Join(dir, "ack"), filepath.Join(dir, "counts")
	for _, f := range []string{ctl, ack} {
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			return nil, err
		}
	}
	argv := append([]string{Perf, "stat", "-x,", "-o", out, "-e", strings.Join(perfEvents(), ","),
		"-D", "-1", "--control", "fifo:" + ctl + "," + ack, "--"}, j.argv...)
	srv := r.command(ctx, argv, j.env)
	// perf and the server in a group of their own: SIGINT to both ends the
	// server and makes perf write its counts.
	srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	lgOut, err := r.drive(ctx, srv, j.w, func(int) []string {
		return []string{"-perf-control", ctl + "," + ack}
	}, stopGroup)
	if err != nil {
		return nil, err
	}
	name := j.w.Name
	load, err := parseResults(lgOut, []report.Metric{{Name: name + "_rps", Unit: "req/s"}, {Name: name + "_p99", Unit: "us"}})
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoPerf, err)
	}
	return syscallsPerRequest(data, name, load[name+"_rps"]*r.duration.Seconds())
}

// stopGroup ends perf and the server it runs with SIGINT to their process
// group, and kills the group if it is still there 5 s later.
func stopGroup(srv *exec.Cmd) {
	pgid := srv.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		_ = srv.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// syscallsPerRequest reads perf stat's CSV counts ("count,,event,...") and
// divides each kind's sum by reqs.
func syscallsPerRequest(perfOut []byte, name string, reqs float64) (map[string]float64, error) {
	if !(reqs > 0) {
		return nil, fmt.Errorf("%w: no requests in the counted window", ErrBadOutput)
	}
	counts := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(perfOut))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) < 3 || strings.HasPrefix(f[0], "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %s", ErrNoPerf, f[2], f[0])
		}
		counts[f[2]] = v
	}
	out := map[string]float64{}
	for _, k := range syscallKinds {
		sum := 0.0
		for _, e := range k.events {
			v, ok := counts[e]
			if !ok {
				return nil, fmt.Errorf("%w: no count for %s", ErrNoPerf, e)
			}
			sum += v
		}
		out[name+k.suffix] = sum / reqs
	}
	return out, nil
}
