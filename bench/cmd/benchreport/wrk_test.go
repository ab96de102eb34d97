package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/bench/internal/report"
)

// wrkOutput is wrk 4.1's --latency report, with p99 in the given form.
func wrkOutput(p99 string) string {
	return `Running 2s test @ http://127.0.0.1:4242/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.37ms  210.11us   7.54ms   93.12%
    Req/Sec    36.64k     1.02k   38.01k    81.00%
  Latency Distribution
     50%    1.33ms
     75%    1.41ms
     90%    1.53ms
     99%    ` + p99 + `
  72960 requests in 2.00s, 8.97MB read
Requests/sec:  36471.52
Transfer/sec:      4.48MB
`
}

func TestParseWrk(t *testing.T) {
	for p99, us := range map[string]float64{"2.25ms": 2250, "812.00us": 812, "1.50s": 1.5e6} {
		rep, err := parseWrk([]byte(wrkOutput(p99)))
		require.NoError(t, err, p99)
		assert.Equal(t, 72960, rep.requests)
		assert.InDelta(t, 36471.52, rep.rps, 1e-9)
		assert.InDelta(t, us, rep.p99us, 1e-6, p99)
	}
}

func TestParseWrkRejects(t *testing.T) {
	cases := map[string]string{
		"socket errors": wrkOutput("2.25ms") + "  Socket errors: connect 0, read 3, write 0, timeout 0\n",
		"non-2xx":       wrkOutput("2.25ms") + "  Non-2xx or 3xx responses: 72960\n",
		"no latency":    "  72960 requests in 2.00s, 8.97MB read\nRequests/sec:  36471.52\n",
		"empty":         "",
		"no requests":   "     99%    1.00ms\n  0 requests in 2.00s, 0B read\nRequests/sec:      0.00\n",
	}
	for name, out := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseWrk([]byte(out))
			assert.ErrorIs(t, err, ErrWrk)
		})
	}
}

func TestWrkMetrics(t *testing.T) {
	before := serverCPU{total: time.Second, user: 800 * time.Millisecond, sys: 200 * time.Millisecond}
	after := serverCPU{total: before.total + 72960*10*time.Microsecond, user: before.user + 450*time.Millisecond, sys: before.sys + 300*time.Millisecond}
	vals, err := wrkMetrics("http_hello", []byte(wrkOutput("2.25ms")), before, after)
	require.NoError(t, err)
	assert.InDelta(t, 36471.52, vals["http_hello_rps"], 1e-9)
	assert.InDelta(t, 2250, vals["http_hello_p99"], 1e-9)
	assert.InDelta(t, 10000, vals["http_hello_cpu"], 1e-6, "the CPU over wrk's requests")
	assert.InDelta(t, 4000, vals["http_hello_cpu_sys"], 1e-6, "split as the ticks are: 300 of 750 ms in the kernel")
	for _, m := range serverMetrics("http_hello", "t") {
		assert.Contains(t, vals, m.Name, "wrk gives every row of a server workload")
	}

	_, err = wrkMetrics("http_hello", []byte(wrkOutput("2.25ms")), before, before)
	assert.ErrorIs(t, err, ErrBadOutput, "a server whose CPU did not move was not the one measured")
}

func TestWrkSeconds(t *testing.T) {
	assert.Equal(t, 1, wrkSeconds(0))
	assert.Equal(t, 1, wrkSeconds(400*time.Millisecond))
	assert.Equal(t, 2, wrkSeconds(1500*time.Millisecond))
	assert.Equal(t, 10, wrkSeconds(10*time.Second))
}

// fakeWrk plays wrk for runWrk: the warm-up (-d1s) prints its report; the
// measured run (-d2s) lets the fake server burn CPU (the file go), waits
// until it has (burnt) and prints its report, so the server's CPU clock
// moved between the two samples whatever the machine's load.
const fakeWrk = `case "$*" in "-t1 -c50 -d1s --latency http://127.0.0.1:4242/") ;;
  "-t1 -c50 -d2s --latency http://127.0.0.1:4242/") touch go; while [ ! -e burnt ]; do sleep 0.01; done ;;
  *) echo "bad args: $*" >&2; exit 2;; esac
cat report`

const burningServer = `echo PORT 4242; while [ ! -e go ]; do sleep 0.01; done
i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; touch burnt; exec sleep 30`

func TestRunWrk(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wrk"), []byte("#!/bin/sh\n"+fakeWrk+"\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "report"), []byte(wrkOutput("2.25ms")), 0o644))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	r := &runner{root: dir, scale: 1, timeout: 30 * time.Second, httpDuration: 1500 * time.Millisecond}
	w := Workload{Name: "http_hello", Server: true, Wrk: true, Metrics: serverMetrics("http_hello", "t")}
	vals, err := r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", burningServer}})
	require.NoError(t, err)
	assert.InDelta(t, 36471.52, vals["http_hello_rps"], 1e-9)
	assert.Positive(t, vals["http_hello_cpu"])
	assert.GreaterOrEqual(t, vals["http_hello_cpu"], vals["http_hello_cpu_sys"])

	require.NoError(t, os.WriteFile(filepath.Join(dir, "report"), []byte(wrkOutput("2.25ms")+"  Non-2xx or 3xx responses: 5\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "go")))
	require.NoError(t, os.Remove(filepath.Join(dir, "burnt")))
	_, err = r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", burningServer}})
	assert.ErrorIs(t, err, ErrWrk)
	assert.Contains(t, err.Error(), "Non-2xx")
}

func TestRunWrkWithoutWrk(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	r := &runner{root: dir, scale: 1, timeout: 10 * time.Second, httpDuration: time.Second}
	w := Workload{Name: "http_hello", Server: true, Wrk: true, Metrics: serverMetrics("http_hello", "t")}
	_, err := r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", "echo PORT 4242; exec /bin/sleep 30"}})
	assert.ErrorIs(t, err, ErrWrk)
	assert.Contains(t, err.Error(), "make deps installs wrk")
}

func TestRunClient(t *testing.T) {
	client := `case "$*" in "-impl ghttp -url http://127.0.0.1:4242/") ;; *) echo "bad args: $*" >&2; exit 2;; esac
echo '{"workload":"http_client_rps","unit":"req/s","value":9000}'
echo '{"workload":"http_client_cpu","unit":"ns/req","value":40000}'`
	r := &runner{root: t.TempDir(), scale: 1, timeout: 10 * time.Second}
	w := Workload{Name: "http_client", Against: "httpserver", Metrics: []report.Metric{{Name: "http_client_rps", Unit: "req/s"}, {Name: "http_client_cpu", Unit: "ns/req"}}}
	j := job{w: w, argv: []string{"/bin/sh", "-c", client, "client", "-impl", "ghttp"}, server: []string{"/bin/sh", "-c", "echo PORT 4242; exec sleep 30"}}
	vals, err := r.run(context.Background(), j)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"http_client_rps": 9000, "http_client_cpu": 40000}, vals)

	j.argv = []string{"/bin/sh", "-c", "echo connection refused >&2; exit 1"}
	_, err = r.run(context.Background(), j)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "client: exit status 1: connection refused")

	j.server = nil
	_, err = r.run(context.Background(), j)
	assert.ErrorIs(t, err, ErrBadOutput, "a client workload without its server")
}

func TestClientWorkloadNeedsItsServer(t *testing.T) {
	ws := []Workload{{Name: "c", Program: "client", Against: "srv", AgainstArgs: []string{"-impl", "x"},
		Impls: []report.Impl{report.GeventGo, report.Go}, Args: map[report.Impl][]string{report.Go: {"-impl", "y"}},
		Metrics: []report.Metric{{Name: "c_rps", Unit: "req/s"}}}}
	progs := fakeProgs(ws)
	progs[progKey{report.GeventGo, "srv"}] = built{argv: []string{"bin/srv"}, status: report.OK}
	steps := plan(ws, 1, progs)
	require.Len(t, steps, 2)
	for _, s := range steps {
		assert.Equal(t, []string{"bin/srv", "-impl", "x"}, s.job.server, "every implementation's client loads geventgo's server")
	}
	assert.Equal(t, []string{"bin/go/client", "-impl", "y"}, steps[1].job.argv)

	progs[progKey{report.GeventGo, "srv"}] = built{status: report.NotBuilt, note: "broken"}
	assert.Empty(t, plan(ws, 1, progs), "no client runs without its server")
	rows := newRows(ws, progs)
	assert.Equal(t, report.NotBuilt, rows[0].Cell(report.Go).Status)
	assert.Equal(t, "its server srv: broken", rows[0].Cell(report.Go).Note)
}
