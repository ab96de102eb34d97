package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheck(t *testing.T) {
	o := options{old: "HEAD~1", count: 3}
	require.NoError(t, o.check())
	assert.Equal(t, defaultPrograms, o.programs, "nothing selected: the default programs")

	o = options{old: "HEAD~1", count: 3, pkgs: []string{"./scheduler/"}}
	require.NoError(t, o.check())
	assert.Empty(t, o.programs, "packages alone run no programs")

	o = options{old: "HEAD~1", count: 3, http: []string{"ghttp"}}
	require.NoError(t, o.check())
	assert.Empty(t, o.programs, "HTTP servers alone run no programs")

	for name, bad := range map[string]options{
		"no old":        {count: 1},
		"no runs":       {old: "x", count: 0},
		"program path":  {old: "x", count: 1, programs: []string{"bench/geventgo/echo"}},
		"absolute pkg":  {old: "x", count: 1, pkgs: []string{"github.com/geventgo/geventgo/scheduler"}},
		"relative pkg2": {old: "x", count: 1, pkgs: []string{"scheduler"}},
		"http path":     {old: "x", count: 1, http: []string{"./ghttp"}},
	} {
		assert.ErrorIs(t, bad.check(), ErrUsage, name)
	}
}

func TestSplitListAndNames(t *testing.T) {
	assert.Equal(t, []string{"./a/", "./b"}, splitList(" ./a/, ,./b,"))
	assert.Nil(t, splitList(""))
	assert.Equal(t, "/b/scheduler.test", testBinary("/b", "./scheduler/"))
	assert.Equal(t, "/b/internal_faults.test", testBinary("/b", "./internal/faults"))
	assert.Equal(t, "/b/root.test", testBinary("/b", "./"))
}

func TestBenchLines(t *testing.T) {
	got := benchLines("echo", []benchio.Result{{Workload: "echo_rps", Unit: "req/s", Value: 51234.5}, {Workload: "echo_cpu", Unit: "ns/req", Value: 9700}})
	assert.Equal(t, "BenchmarkProgram/echo/echo_rps 1 51234.5 req/s\nBenchmarkProgram/echo/echo_cpu 1 9700 ns/req\n", got)
	assert.Equal(t, "BenchmarkProgram/channel 1 310 ns/op\n", benchLines("channel", []benchio.Result{{Workload: "channel", Unit: "ns/op", Value: 310}}))
}

func TestParseResults(t *testing.T) {
	res, err := parseResults([]byte("warming up\n{\"workload\":\"x\",\"unit\":\"ns/op\",\"value\":12.5}\n"))
	require.NoError(t, err)
	assert.Equal(t, []benchio.Result{{Workload: "x", Unit: "ns/op", Value: 12.5}}, res)
	for _, bad := range []string{"", "nothing\n", "{broken\n", `{"workload":"a b","unit":"ns/op","value":1}`, `{"unit":"ns/op","value":1}`} {
		_, err := parseResults([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

// script writes an executable shell script.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	return path
}

func TestRoundRunsProgramsAndServers(t *testing.T) {
	dir := t.TempDir()
	s := &side{label: "new", bin: dir}
	script(t, dir, "prog/plain", `echo '{"workload":"plain","unit":"ns/op","value":'$BENCH_SCALE'}'`)
	script(t, dir, "prog/server", `echo PORT 4242; exec sleep 30`)
	lg := script(t, dir, "loadgen", `case "$*" in *"-addr 127.0.0.1:4242 -name server -pid "[1-9]*) ;; *) echo "bad args: $*" >&2; exit 2;; esac
echo '{"workload":"server_cpu","unit":"ns/req","value":9000}'`)
	r := &runner{o: options{programs: []string{"plain", "server"}, scale: 0.5}, loadgen: lg}
	require.NoError(t, r.round(context.Background(), s))
	assert.Equal(t, "pkg: github.com/geventgo/geventgo/bench/geventgo\n"+
		"BenchmarkProgram/plain 1 0.5 ns/op\n"+
		"BenchmarkProgram/server/server_cpu 1 9000 ns/req\n", s.out.String())

	// An HTTP server: run with its -impl, driven by the load generator's HTTP mode, its results
	// named after the impl.
	script(t, dir, "prog/httpserver", `case "$*" in "-impl shared -size 0") ;; *) echo "bad args: $*" >&2; exit 2;; esac
echo PORT 4343; exec sleep 30`)
	lg = script(t, dir, "loadgen", `case "$*" in *"-addr 127.0.0.1:4343 -name http_shared -pid "[1-9]*" -http /") ;; *) echo "bad args: $*" >&2; exit 2;; esac
echo '{"workload":"http_shared_rps","unit":"req/s","value":40000}'`)
	s.out.Reset()
	r = &runner{o: options{http: []string{"shared"}}, loadgen: lg}
	require.NoError(t, r.round(context.Background(), s))
	assert.Equal(t, "pkg: github.com/geventgo/geventgo/bench/geventgo\n"+
		"BenchmarkProgram/http_shared/http_shared_rps 1 40000 req/s\n", s.out.String())

	script(t, dir, "prog/broken", `echo boom >&2; exit 3`)
	r.o.programs = []string{"broken"}
	err := r.round(context.Background(), s)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")
}
