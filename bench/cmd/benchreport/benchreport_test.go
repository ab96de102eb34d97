package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/bench/internal/report"
)

var twoMetrics = []report.Metric{{Name: "echo_rps", Unit: "req/s"}, {Name: "echo_p99", Unit: "us"}}

func TestParseResults(t *testing.T) {
	out := "warming up\n{\"workload\":\"echo_rps\",\"unit\":\"req/s\",\"value\":50000}\n\n{\"workload\": \"echo_p99\", \"unit\": \"us\", \"value\": 812.5}\n"
	got, err := parseResults([]byte(out), twoMetrics)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"echo_rps": 50000, "echo_p99": 812.5}, got)
}

func TestParseResultsRejects(t *testing.T) {
	cases := map[string]string{
		"missing metric": `{"workload":"echo_rps","unit":"req/s","value":1}`,
		"wrong unit":     `{"workload":"echo_rps","unit":"ns/op","value":1}` + "\n" + `{"workload":"echo_p99","unit":"us","value":1}`,
		"unknown name":   `{"workload":"other","unit":"us","value":1}`,
		"zero":           `{"workload":"echo_rps","unit":"req/s","value":0}` + "\n" + `{"workload":"echo_p99","unit":"us","value":1}`,
		"twice":          `{"workload":"echo_rps","unit":"req/s","value":1}` + "\n" + `{"workload":"echo_rps","unit":"req/s","value":2}`,
		"broken json":    `{"workload":`,
		"empty":          "",
	}
	for name, out := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseResults([]byte(out), twoMetrics)
			assert.ErrorIs(t, err, ErrBadOutput)
		})
	}
}

func TestParsePort(t *testing.T) {
	p, err := parsePort("PORT 40123\n")
	require.NoError(t, err)
	assert.Equal(t, 40123, p)
	for _, bad := range []string{"", "PORT", "PORT x", "PORT 0", "PORT 70000", "port 80", "PORT 1 2"} {
		_, err := parsePort(bad)
		assert.ErrorIs(t, err, ErrBadOutput, "%q", bad)
	}
}

func TestSelectWorkloads(t *testing.T) {
	full, err := selectWorkloads(workloads, "", false)
	require.NoError(t, err)
	assert.Len(t, full, len(workloads))

	quick, err := selectWorkloads(workloads, "", true)
	require.NoError(t, err)
	require.NotEmpty(t, quick)
	assert.Less(t, len(quick), len(workloads))
	for _, w := range quick {
		assert.True(t, w.Quick, w.Name)
	}

	only, err := selectWorkloads(workloads, "echo, timer_chain", true)
	require.NoError(t, err)
	require.Len(t, only, 2)
	assert.Equal(t, "echo", only[0].Name)
	assert.Equal(t, "timer_chain", only[1].Name)

	_, err = selectWorkloads(workloads, "nope", false)
	assert.ErrorIs(t, err, ErrUnknownWorkload)
}

// TestRegistry checks the suite against the tree: names are unique, metric
// names are unique, and every declared C, Python and plain-Go program exists
// (geventgo programs may legitimately not exist yet: they show as not built).
func TestRegistry(t *testing.T) {
	root, err := findRoot()
	require.NoError(t, err)
	names, metrics := map[string]bool{}, map[string]bool{}
	for _, w := range workloads {
		assert.False(t, names[w.Name], "duplicate workload %s", w.Name)
		names[w.Name] = true
		require.NotEmpty(t, w.Metrics, w.Name)
		require.NotEmpty(t, w.Impls, w.Name)
		for _, m := range w.Metrics {
			assert.False(t, metrics[m.Name], "duplicate metric %s", m.Name)
			metrics[m.Name] = true
			assert.Contains(t, []string{"ns/op", "ns/req", "calls/req", "req/s", "us", "B/greenlet"}, m.Unit, m.Name)
			assert.NotEmpty(t, m.Title, m.Name)
		}
		for _, impl := range w.Impls {
			var path string
			switch impl {
			case report.CLibev:
				path = filepath.Join(root, "bench", "c", w.ProgramName(impl)+".c")
			case report.Gevent:
				path = filepath.Join(root, pyScript(w.ProgramName(impl)))
			case report.Go, report.GoP2:
				path = filepath.Join(root, goPackage("go", w.ProgramName(impl)), "main.go")
			default:
				continue
			}
			_, err := os.Stat(path)
			assert.NoError(t, err, "%s declares %s", w.Name, impl)
		}
		if w.Against != "" {
			assert.True(t, hasGoFiles(filepath.Join(root, goPackage("geventgo", w.Against))), "%s: no server %s", w.Name, w.Against)
			assert.False(t, w.Server, "%s: a client workload is no server", w.Name)
		}
		assert.True(t, !w.Wrk || w.Server, "%s: wrk drives servers only", w.Name)
		if w.GoTest != "" {
			assert.True(t, hasGoFiles(filepath.Join(root, w.GoTest)), "%s: no package %s", w.Name, w.GoTest)
			require.Len(t, w.BenchMetrics, len(w.Metrics), w.Name)
			depth := -1
			for bench, metric := range w.BenchMetrics {
				assert.True(t, metrics[metric], "%s: %s reports unknown metric %s", w.Name, bench, metric)
				// go test runs a top-level benchmark that a deeper pattern
				// matches only to find sub-benchmarks, and reports nothing.
				if d := strings.Count(bench, "/"); depth < 0 {
					depth = d
				} else {
					assert.Equal(t, depth, d, "%s: benchmarks of one workload must be equally deep", w.Name)
				}
			}
		}
	}
}

func TestParseBenchmarks(t *testing.T) {
	names := map[string]string{"BenchmarkA": "a", "BenchmarkB": "b"}
	want := []report.Metric{{Name: "a", Unit: "ns/op"}, {Name: "b", Unit: "ns/op"}}
	out := "goos: linux\nBenchmarkA-2   \t1000000\t        12.5 ns/op\nBenchmarkB \t 10 \t 3000 ns/op\t 0 B/op\nPASS\n"
	got, err := parseBenchmarks([]byte(out), names, want)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"a": 12.5, "b": 3000}, got)

	_, err = parseBenchmarks([]byte("BenchmarkC-2 10 1 ns/op\n"), names, want)
	assert.ErrorIs(t, err, ErrBadOutput, "an unexpected benchmark")
	_, err = parseBenchmarks([]byte("BenchmarkA-2 10 1 ns/op\n"), names, want)
	assert.ErrorIs(t, err, ErrBadOutput, "a missing benchmark")
	_, err = parseBenchmarks([]byte("BenchmarkA-2 10 1 ns/op\nBenchmarkA-2 10 1 ns/op\nBenchmarkB-2 1 1 ns/op\n"), names, want)
	assert.ErrorIs(t, err, ErrBadOutput, "a benchmark twice")

	w := Workload{Name: "d", GoTest: "./cev", BenchMetrics: names}
	assert.Equal(t, []string{"x.test", "-test.run=^$", "-test.bench=^(BenchmarkA|BenchmarkB)$", "-test.benchtime=500ms"}, goTestArgv("x.test", w))
	assert.Equal(t, "^(BenchmarkCgoCall|BenchmarkRunNoWait)$/^(epoll)$", benchPattern([]string{"BenchmarkRunNoWait/epoll", "BenchmarkCgoCall"}))
	assert.Equal(t, "^(BenchmarkPingPong)$/^(Greenlet|Net)$", benchPattern([]string{"BenchmarkPingPong/Net", "BenchmarkPingPong/Greenlet"}))
	assert.Equal(t, map[string]bool{"echo": true}, goPrograms([]Workload{w}, map[string]bool{"d": true, "echo": true}))
}

func fakeProgs(ws []Workload, missing ...progKey) map[progKey]built {
	progs := map[progKey]built{}
	for _, w := range ws {
		for _, impl := range w.Impls {
			k := progKey{impl, w.ProgramName(impl)}
			progs[k] = built{argv: []string{"bin/" + string(impl) + "/" + k.name}, status: report.OK}
		}
	}
	for _, k := range missing {
		progs[k] = built{status: report.NotBuilt, note: "absent"}
	}
	return progs
}

func TestPlanInterleavesAndRotates(t *testing.T) {
	ws := []Workload{
		{Name: "a", Impls: []report.Impl{report.CLibev, report.GeventGo, report.Go}, Metrics: []report.Metric{{Name: "a", Unit: "ns/op"}}},
		{Name: "b", Impls: []report.Impl{report.Gevent, report.Go}, Metrics: []report.Metric{{Name: "b", Unit: "ns/op"}},
			Args: map[report.Impl][]string{report.Go: {"-procs", "2"}}},
	}
	steps := plan(ws, 3, fakeProgs(ws, progKey{report.GeventGo, "a"}))
	var got []string
	for _, s := range steps {
		got = append(got, s.w.Name+":"+string(s.impl)+":"+string(rune('0'+s.rep)))
	}
	assert.Equal(t, []string{
		"a:c-libev:1", "a:go:1",
		"a:go:2", "a:c-libev:2",
		"a:c-libev:3", "a:go:3",
		"b:gevent:1", "b:go:1",
		"b:go:2", "b:gevent:2",
		"b:gevent:3", "b:go:3",
	}, got, "not-built geventgo is skipped; every repetition runs each impl once, starting impl rotating")
	assert.Equal(t, []string{"bin/go/b", "-procs", "2"}, steps[7].job.argv)

	ws[0].MaxReps = 2
	assert.Len(t, plan(ws[:1], 5, fakeProgs(ws)), 2*3, "MaxReps caps the runs of each implementation")
	assert.Len(t, plan(ws[:1], 1, fakeProgs(ws)), 1*3)
}

// TestTwoLoops: the two-hub echo workloads run C libev's echo on two loops
// beside geventgo's on two hubs, each with its own flag.
func TestTwoLoops(t *testing.T) {
	for _, name := range []string{"echo_2hubs", "echo_2hubs_syscalls"} {
		w, ok := workloadNamed(workloads, name)
		require.True(t, ok, name)
		progs := fakeProgs([]Workload{w})
		assert.Equal(t, []string{"bin/c-libev/echo", "-loops", "2"}, jobFor(w, report.CLibev, progs).argv, name)
		assert.Equal(t, []string{"bin/geventgo/echo", "-hubs", "2"}, jobFor(w, report.GeventGo, progs).argv, name)
	}
}

func TestRowsRecordFinish(t *testing.T) {
	ws := []Workload{{Name: "echo", Server: true, Impls: []report.Impl{report.CLibev, report.GeventGo, report.Go}, Metrics: twoMetrics}}
	progs := fakeProgs(ws, progKey{report.GeventGo, "echo"})
	rows := newRows(ws, progs)
	require.Len(t, rows, 2)
	assert.Equal(t, report.NotApplicable, rows[0].Cell(report.Gevent).Status)
	assert.Equal(t, report.NotBuilt, rows[0].Cell(report.GeventGo).Status)
	assert.Equal(t, "absent", rows[0].Cell(report.GeventGo).Note)

	c := step{w: ws[0], impl: report.CLibev, rep: 1}
	record(rows, c, map[string]float64{"echo_rps": 100, "echo_p99": 9}, nil)
	c.rep = 2
	record(rows, c, nil, assert.AnError)
	record(rows, step{w: ws[0], impl: report.Go, rep: 1}, nil, assert.AnError)
	finish(rows)

	assert.Equal(t, []float64{100}, rows[0].Cell(report.CLibev).Values)
	assert.Equal(t, []float64{9}, rows[1].Cell(report.CLibev).Values)
	assert.Equal(t, report.OK, rows[0].Cell(report.CLibev).Status, "one good run keeps the cell")
	assert.Contains(t, rows[0].Cell(report.CLibev).Note, "run 2:")
	assert.Equal(t, report.Failed, rows[0].Cell(report.Go).Status)
	assert.Equal(t, report.Failed, rows[1].Cell(report.Go).Status)
}

func TestRunProgram(t *testing.T) {
	r := &runner{root: t.TempDir(), scale: 0.5, timeout: 10 * time.Second}
	w := Workload{Name: "x", Metrics: []report.Metric{{Name: "x", Unit: "ns/op"}}}
	vals, err := r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", `echo "{\"workload\":\"x\",\"unit\":\"ns/op\",\"value\":$BENCH_SCALE}"`}})
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"x": 0.5}, vals, "BENCH_SCALE reaches the program")

	printProcs := []string{"/bin/sh", "-c", `echo "{\"workload\":\"x\",\"unit\":\"ns/op\",\"value\":$GOMAXPROCS}"`}
	vals, err = r.run(context.Background(), job{w: w, argv: printProcs, env: implEnv(report.GoP2)})
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"x": 2}, vals, "Go P2's GOMAXPROCS reaches the program")

	_, err = r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", "echo boom >&2; exit 3"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")

	r.timeout = 200 * time.Millisecond
	_, err = r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", "exec sleep 5"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timed out")
}

func TestRunServer(t *testing.T) {
	fakeLoadgen := `case "$*" in *"-addr 127.0.0.1:4242 -name echo "*" -http /x -pid "[1-9]*) ;; *) echo "bad args: $*" >&2; exit 2;; esac
echo '{"workload":"echo_rps","unit":"req/s","value":1000}'
echo '{"workload":"echo_p99","unit":"us","value":50}'`
	r := &runner{root: t.TempDir(), scale: 1, timeout: 10 * time.Second, duration: time.Second,
		loadgen: []string{"/bin/sh", "-c", fakeLoadgen, "loadgen"}}
	w := Workload{Name: "echo", Server: true, Metrics: twoMetrics, Load: []string{"-http", "/x"}}
	vals, err := r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", "echo PORT 4242; exec sleep 30"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"echo_rps": 1000, "echo_p99": 50}, vals)

	_, err = r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", "echo listening; exec sleep 30"}})
	assert.ErrorIs(t, err, ErrBadOutput)

	// A failed load names what the server said on stderr, read after it
	// exited (under -race, reading it while the server runs is a race). The
	// fake server says it before its PORT line: said after, the line raced
	// the stop that the load generator's quick failure brings.
	r.loadgen = []string{"/bin/sh", "-c", "echo refused >&2; exit 2", "loadgen"}
	_, err = r.run(context.Background(), job{w: w, argv: []string{"/bin/sh", "-c", "echo out of fds >&2; echo PORT 4242; exec sleep 30"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused")
	assert.Contains(t, err.Error(), "(server: out of fds)")
}

func TestWriteResults(t *testing.T) {
	dir := t.TempDir()
	ws := []Workload{{Name: "t", Impls: []report.Impl{report.GeventGo, report.Go}, Metrics: []report.Metric{{Name: "t", Title: "a thing", Unit: "ns/op", Bound: "floor"}}}}
	rows := newRows(ws, fakeProgs(ws, progKey{report.GeventGo, "t"}))
	record(rows, step{w: ws[0], impl: report.Go, rep: 1}, map[string]float64{"t": 42}, nil)
	finish(rows)
	require.NoError(t, writeResults(dir, rows, nil, Meta{Reps: 1, Scale: 1, Started: time.Now(), Workloads: ws}))
	for _, f := range []string{"latest.json", "latest.md", "latest.svg"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Positive(t, st.Size(), f)
	}
	md, err := os.ReadFile(filepath.Join(dir, "latest.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "![")
	assert.Contains(t, string(md), "(latest.svg)")
	assert.Contains(t, string(md), "| t | ns/op | n/a | not built | n/a | 42.0 (42.0-42.0) | n/a |")
	assert.Contains(t, string(md), "**t** (ns/op): a thing. Bound by: floor.")
	assert.True(t, strings.Contains(string(md), "t / geventgo (not built): absent"))
	assert.NotContains(t, string(md), "(soak.md)", "no link while make soak has not run")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "soak.md"), []byte("# soak\n"), 0o644))
	require.NoError(t, writeResults(dir, rows, nil, Meta{Reps: 1, Scale: 1, Started: time.Now(), Workloads: ws}))
	md, err = os.ReadFile(filepath.Join(dir, "latest.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "[soak.md](soak.md)")
}

// fakePerf plays `perf stat -x, -o OUT ... --control fifo:CTL,ACK -- server`
// for runCounted: it prints the server's PORT line, acknowledges each
// command, and writes counts to OUT when SIGINT ends it.
const fakePerf = `while [ "$1" != "--" ]; do
  case "$1" in -o) out=$2; shift;; --control) fifos=${2#fifo:}; shift;; esac; shift
done
ctl=${fifos%,*}; ack=${fifos#*,}
trap 'printf "%s\n" "# started" "" "4000,,raw_syscalls:sys_enter,1,100.00,," "1000,,syscalls:sys_enter_read,1,100.00,," "0,,syscalls:sys_enter_recvfrom,1,100.00,," \
  "1000,,syscalls:sys_enter_write,1,100.00,," "0,,syscalls:sys_enter_sendto,1,100.00,," "500,,syscalls:sys_enter_epoll_wait,1,100.00,," \
  "0,,syscalls:sys_enter_epoll_pwait,1,100.00,," "0,,syscalls:sys_enter_epoll_pwait2,1,100.00,," "20,,syscalls:sys_enter_futex,1,100.00,," > "$out"; exit 0' INT
exec 3<>"$ctl" 4<>"$ack"
echo PORT 4242
while read -r cmd <&3; do echo "$cmd" >> "$out.log"; printf 'ack\n' >&4; done`

func TestRunCounted(t *testing.T) {
	fakeLoadgen := `case "$*" in *"-addr 127.0.0.1:4242 -name echo_syscalls "*"-perf-control "*) ;; *) echo "bad args: $*" >&2; exit 2;; esac
fifos=${*##*-perf-control }; ctl=${fifos%,*}; ack=${fifos#*,}
exec 3>"$ctl" 4<"$ack"
echo enable >&3; head -c 4 <&4 >/dev/null
echo disable >&3; head -c 4 <&4 >/dev/null
echo '{"workload":"echo_syscalls_rps","unit":"req/s","value":1000}'
echo '{"workload":"echo_syscalls_p99","unit":"us","value":50}'`
	dir := t.TempDir()
	perf := filepath.Join(dir, "perf")
	require.NoError(t, os.WriteFile(perf, []byte("#!/bin/sh\n"+fakePerf+"\n"), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	r := &runner{root: dir, scale: 1, timeout: 10 * time.Second, duration: 2 * time.Second,
		loadgen: []string{"/bin/sh", "-c", fakeLoadgen, "loadgen"}}
	w := Workload{Name: "echo_syscalls", Server: true, Syscalls: true, Metrics: syscallMetrics("echo_syscalls", "t")}
	vals, err := r.run(context.Background(), job{w: w, argv: []string{"/bin/true"}})
	require.NoError(t, err)
	// 2000 requests in the 2 s window.
	assert.Equal(t, map[string]float64{"echo_syscalls": 2, "echo_syscalls_read": 0.5, "echo_syscalls_write": 0.5,
		"echo_syscalls_poll": 0.25, "echo_syscalls_futex": 0.01}, vals, "the counts over the requests of the window; a hang here is a missing acknowledgement")
}
