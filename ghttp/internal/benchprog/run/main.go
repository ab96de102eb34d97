// Command run measures the HTTP servers and clients of benchprog side by side and prints a
// Markdown table: for each server (ghttp; net/http at GOMAXPROCS 1 and 2; net/http on a
// shared socket; gevent.pywsgi) and each response size, wrk's requests per second and p99
// latency over keep-alive connections, and the server's CPU time per request (its process
// CPU clock over wrk's run); then the clients (ghttp's Transport in greenlets, net/http's on
// goroutines) against one ghttp server.
//
//	go run -tags libev_static ./ghttp/internal/benchprog/run [-duration 10s] [-conns 50]
//
// It needs wrk (apt-get install wrk) and /usr/bin/python3 with gevent.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

type server struct {
	name string
	cmd  []string // {{dir}} is the build directory, {{size}} the response size
	env  []string
}

var servers = []server{
	{name: "ghttp", cmd: []string{"{{dir}}/httpserver", "-impl", "ghttp", "-size", "{{size}}"}, env: []string{"GOMAXPROCS=1"}},
	{name: "net/http GOMAXPROCS=1", cmd: []string{"{{dir}}/httpserver", "-impl", "nethttp", "-size", "{{size}}"}, env: []string{"GOMAXPROCS=1"}},
	{name: "net/http GOMAXPROCS=2", cmd: []string{"{{dir}}/httpserver", "-impl", "nethttp", "-size", "{{size}}"}, env: []string{"GOMAXPROCS=2"}},
	{name: "net/http on a shared socket", cmd: []string{"{{dir}}/httpserver", "-impl", "shared", "-size", "{{size}}"}, env: []string{"GOMAXPROCS=2"}},
	{name: "gevent.pywsgi", cmd: []string{"/usr/bin/python3", "{{src}}/pywsgi_server.py", "{{size}}"}},
}

func main() {
	duration := flag.Duration("duration", 10*time.Second, "wrk's run per server and size")
	conns := flag.Int("conns", 50, "wrk's keep-alive connections")
	threads := flag.Int("threads", 1, "wrk's threads")
	only := flag.String("only", "", "run only the servers whose name contains this")
	requests := flag.Int("requests", 10000, "client bench: requests")
	workers := flag.Int("workers", 100, "client bench: greenlets or goroutines")
	flag.Parse()
	if err := run(*duration, *conns, *threads, *only, *requests, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, conns, threads int, only string, requests, workers int) error {
	dir, err := os.MkdirTemp("", "ghttp-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Dir(filepath.Dir(self))
	for _, p := range []string{"httpserver", "httpclient"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, p), filepath.Join(src, p)).CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %v\n%s", p, err, out)
		}
	}
	fmt.Printf("| server | response | req/s | p99 | server CPU per request |\n| --- | --- | --- | --- | --- |\n")
	for _, size := range []int{0, 16384} {
		for _, s := range servers {
			if only != "" && !strings.Contains(s.name, only) {
				continue
			}
			r, err := measureServer(s, dir, src, size, duration, conns, threads)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			label := "hello world"
			if size > 0 {
				label = fmt.Sprintf("%d KiB", size/1024)
			}
			fmt.Printf("| %s | %s | %.0f | %s | %.1f µs |\n", s.name, label, r.rps, r.p99, r.cpuPerReq.Seconds()*1e6)
		}
	}
	return runClients(dir, requests, workers)
}

type serverResult struct {
	rps       float64
	p99       string
	cpuPerReq time.Duration
}

// measureServer starts s, warms it up with a short wrk run, then measures wrk's run and the
// server's CPU time over it.
func measureServer(s server, dir, src string, size int, duration time.Duration, conns, threads int) (serverResult, error) {
	var res serverResult
	proc, port, err := start(s, dir, src, size)
	if err != nil {
		return res, err
	}
	defer func() {
		_ = proc.Process.Kill()
		_ = proc.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if _, err := wrk(url, time.Second, conns, threads); err != nil {
		return res, err
	}
	cpu0, err := processCPU(proc.Process.Pid)
	if err != nil {
		return res, err
	}
	out, err := wrk(url, duration, conns, threads)
	if err != nil {
		return res, err
	}
	cpu1, err := processCPU(proc.Process.Pid)
	if err != nil {
		return res, err
	}
	total, rps, p99, err := parseWrk(out)
	if err != nil {
		return res, err
	}
	res.rps, res.p99 = rps, p99
	res.cpuPerReq = time.Duration(float64(cpu1-cpu0) / float64(total))
	return res, nil
}

// start runs a server and reads the port it prints.
func start(s server, dir, src string, size int) (*exec.Cmd, int, error) {
	args := make([]string, len(s.cmd))
	for i, a := range s.cmd {
		a = strings.ReplaceAll(a, "{{dir}}", dir)
		a = strings.ReplaceAll(a, "{{src}}", src)
		args[i] = strings.ReplaceAll(a, "{{size}}", strconv.Itoa(size))
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, 0, fmt.Errorf("no PORT line: %w", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "PORT ")))
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, 0, fmt.Errorf("bad PORT line %q", line)
	}
	return cmd, port, nil
}

func wrk(url string, d time.Duration, conns, threads int) (string, error) {
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency", url).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return string(out), nil
}

var (
	wrkTotal = regexp.MustCompile(`(\d+) requests in`)
	wrkRPS   = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkP99   = regexp.MustCompile(`(?m)^\s+99%\s+(\S+)`)
	wrkErrs  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)
)

func parseWrk(out string) (total int, rps float64, p99 string, err error) {
	m1, m2, m3 := wrkTotal.FindStringSubmatch(out), wrkRPS.FindStringSubmatch(out), wrkP99.FindStringSubmatch(out)
	if m1 == nil || m2 == nil || m3 == nil {
		return 0, 0, "", fmt.Errorf("cannot read wrk's output:\n%s", out)
	}
	if e := wrkErrs.FindString(out); e != "" {
		return 0, 0, "", fmt.Errorf("wrk saw errors (%s):\n%s", e, out)
	}
	total, _ = strconv.Atoi(m1[1])
	rps, _ = strconv.ParseFloat(m2[1], 64)
	return total, rps, m3[1], nil
}

// processCPU reads another process's CPU clock (CPUCLOCK_SCHED of pid: ^pid<<3 | 2), exact to
// the nanosecond, where /proc's times count 10 ms ticks.
func processCPU(pid int) (time.Duration, error) {
	clock := uintptr(int32(^pid<<3 | 2))
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, fmt.Errorf("CPU clock of process %d: %w", pid, e)
	}
	return time.Duration(ts.Nano()), nil
}

// runClients measures the clients against one ghttp server.
func runClients(dir string, requests, workers int) error {
	proc, port, err := start(servers[0], dir, "", 0)
	if err != nil {
		return err
	}
	defer func() {
		_ = proc.Process.Kill()
		_ = proc.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	fmt.Printf("\n| client (%d requests, %d workers, keep-alive) | req/s | client CPU per request |\n| --- | --- | --- |\n", requests, workers)
	for _, c := range []struct{ name, impl, procs string }{
		{"ghttp.Transport, greenlets", "ghttp", "1"},
		{"net/http Transport, goroutines, GOMAXPROCS=1", "nethttp", "1"},
		{"net/http Transport, goroutines, GOMAXPROCS=2", "nethttp", "2"},
	} {
		cmd := exec.Command(filepath.Join(dir, "httpclient"), "-impl", c.impl, "-url", url,
			"-n", strconv.Itoa(requests), "-c", strconv.Itoa(workers))
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+c.procs)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", c.name, err, out)
		}
		var rps, cpu float64
		if _, err := fmt.Sscanf(string(out), "rps %g\ncpu_ns_per_req %g", &rps, &cpu); err != nil {
			return errors.Join(fmt.Errorf("%s: cannot read %q", c.name, out), err)
		}
		fmt.Printf("| %s | %.0f | %.1f µs |\n", c.name, rps, cpu/1000)
	}
	return nil
}
