package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/bench/internal/report"
)

// ErrBadOutput is wrapped by every failure to read a program's results.
var ErrBadOutput = errors.New("bad benchmark output")

// parseResults reads the JSON result lines of a program's stdout (other
// lines are ignored) and checks that each wanted metric appears exactly once
// with the expected unit and a positive, finite value.
func parseResults(out []byte, want []report.Metric) (map[string]float64, error) {
	got := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var r benchio.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrBadOutput, line, err)
		}
		var m *report.Metric
		for i := range want {
			if want[i].Name == r.Workload {
				m = &want[i]
			}
		}
		switch {
		case m == nil:
			return nil, fmt.Errorf("%w: unexpected workload %q", ErrBadOutput, r.Workload)
		case r.Unit != m.Unit:
			return nil, fmt.Errorf("%w: %s reported in %q, want %q", ErrBadOutput, r.Workload, r.Unit, m.Unit)
		case !(r.Value > 0) || r.Value > 1e18:
			return nil, fmt.Errorf("%w: %s = %v", ErrBadOutput, r.Workload, r.Value)
		}
		if _, dup := got[r.Workload]; dup {
			return nil, fmt.Errorf("%w: %s reported twice", ErrBadOutput, r.Workload)
		}
		got[r.Workload] = r.Value
	}
	for _, m := range want {
		if _, ok := got[m.Name]; !ok {
			return nil, fmt.Errorf("%w: no result for %s", ErrBadOutput, m.Name)
		}
	}
	return got, nil
}

// runner runs one program at a time.
type runner struct {
	root     string
	scale    float64
	timeout  time.Duration // per run
	loadgen  []string
	duration time.Duration // echo measuring time
	// httpDuration is wrk's measuring time, rounded up to whole seconds
	// (wrk's unit); a warm-up run of wrkWarmup comes first.
	httpDuration time.Duration
}

// job is one run of one program: the workload it measures, its command line
// and what it adds to the environment.
type job struct {
	w      Workload
	argv   []string
	env    []string // GOMAXPROCS for plain Go, a profile's file
	server []string // a client workload's server: its command line
}

// implEnv is the environment impl's programs get beyond BENCH_SCALE: plain
// Go's columns fix GOMAXPROCS.
func implEnv(impl report.Impl) []string {
	if n := impl.GOMAXPROCS(); n > 0 {
		return []string{"GOMAXPROCS=" + strconv.Itoa(n)}
	}
	return nil
}

func (r *runner) command(ctx context.Context, argv, env []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = r.root
	cmd.Env = append(os.Environ(), "BENCH_SCALE="+strconv.FormatFloat(r.scale, 'g', -1, 64), "PYTHONDONTWRITEBYTECODE=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// run runs one job once and returns its metrics.
func (r *runner) run(ctx context.Context, j job) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	switch {
	case j.w.Server && j.w.Wrk:
		return r.runWrk(ctx, j)
	case j.w.Server:
		return r.runServer(ctx, j)
	case j.w.Against != "":
		return r.runClient(ctx, j)
	}
	cmd := r.command(ctx, j.argv, j.env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, runError(ctx, err, stderr.String())
	}
	if j.w.GoTest != "" {
		return parseBenchmarks(stdout.Bytes(), j.w.BenchMetrics, j.w.Metrics)
	}
	return parseResults(stdout.Bytes(), j.w.Metrics)
}

// parseBenchmarks reads the ns/op of `go test -bench` output lines
// ("BenchmarkName-2  1000  12.5 ns/op"), renames them with names and checks
// them as parseResults checks JSON results.
func parseBenchmarks(out []byte, names map[string]string, want []report.Metric) (map[string]float64, error) {
	var js bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		metric, ok := names[name]
		if !ok {
			return nil, fmt.Errorf("%w: unexpected benchmark %s", ErrBadOutput, name)
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrBadOutput, sc.Text(), err)
		}
		line, _ := json.Marshal(benchio.Result{Workload: metric, Unit: "ns/op", Value: v})
		js.Write(append(line, '\n'))
	}
	return parseResults(js.Bytes(), want)
}

func runError(ctx context.Context, err error, stderr string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("timed out: %w", ctx.Err())
	}
	if s := lastLine(stderr); s != "" {
		return fmt.Errorf("%w: %s", err, s)
	}
	return err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// runServer starts an echo server, drives it with the load generator (which
// also reads the server's CPU clock over its measuring window, through
// -pid) and stops it.
func (r *runner) runServer(ctx context.Context, j job) (map[string]float64, error) {
	if j.w.Syscalls {
		return r.runCounted(ctx, j)
	}
	srv := r.command(ctx, j.argv, j.env)
	out, err := r.drive(ctx, srv, j.w, func(pid int) []string {
		return []string{"-pid", strconv.Itoa(pid)}
	}, stopServer)
	if err != nil {
		return nil, err
	}
	return parseResults(out, j.w.Metrics)
}

// drive starts srv, waits for its "PORT n" line, runs the load generator
// against it with w's name and load arguments and extra(pid of srv)'s, stops
// srv with stop and returns the load generator's output.
func (r *runner) drive(ctx context.Context, srv *exec.Cmd, w Workload, extra func(pid int) []string, stop func(*exec.Cmd)) ([]byte, error) {
	var out []byte
	err := serve(srv, stop, func(port, pid int) error {
		lg := append(append([]string{}, r.loadgen...),
			"-addr", "127.0.0.1:"+strconv.Itoa(port), "-name", w.Name,
			"-conns", "50", "-size", "64", "-duration", r.duration.String())
		lg = append(append(lg, w.Load...), extra(pid)...)
		cmd := r.command(ctx, lg, nil)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("load generator: %w", runError(ctx, err, stderr.String()))
		}
		out = stdout.Bytes()
		return nil
	})
	return out, err
}

// serve starts srv, waits for its "PORT n" line, calls load with the port
// and srv's process id, and stops srv with stop. A failure names what the
// server said last on stderr.
func serve(srv *exec.Cmd, stop func(*exec.Cmd), load func(port, pid int) error) error {
	pipe, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	var srvErr bytes.Buffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		return err
	}
	once := sync.OnceFunc(func() { stop(srv) })
	defer once()
	// The server's stderr is read only once it has exited.
	serverSaid := func() string {
		once()
		return lastLine(srvErr.String())
	}
	port, err := readPort(pipe, 15*time.Second)
	if err != nil {
		return fmt.Errorf("server: %w %s", err, serverSaid())
	}
	go io.Copy(io.Discard, pipe)
	if err := load(port, srv.Process.Pid); err != nil {
		return fmt.Errorf("%w (server: %s)", err, serverSaid())
	}
	return nil
}

// stopServer ends a server with SIGTERM, so that a profiled one writes its
// profile, and kills it if it is still running 5 s later.
func stopServer(srv *exec.Cmd) {
	_ = srv.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		_ = srv.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = srv.Process.Kill()
		<-done
	}
}

// readPort reads the server's "PORT n" line.
func readPort(r io.Reader, timeout time.Duration) (int, error) {
	type res struct {
		port int
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil {
			ch <- res{0, fmt.Errorf("%w: no PORT line: %v", ErrBadOutput, err)}
			return
		}
		p, err := parsePort(line)
		ch <- res{p, err}
	}()
	select {
	case x := <-ch:
		return x.port, x.err
	case <-time.After(timeout):
		return 0, fmt.Errorf("%w: no PORT line within %v", ErrBadOutput, timeout)
	}
}

func parsePort(line string) (int, error) {
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "PORT" {
		return 0, fmt.Errorf("%w: want \"PORT <n>\", got %q", ErrBadOutput, strings.TrimSpace(line))
	}
	p, err := strconv.Atoi(f[1])
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("%w: bad port in %q", ErrBadOutput, strings.TrimSpace(line))
	}
	return p, nil
}
