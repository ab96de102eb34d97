package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/bench/internal/report"
)

func row(metric, unit string, cells map[report.Impl]float64) report.Row {
	r := report.Row{Metric: report.Metric{Name: metric, Unit: unit}, Cells: map[report.Impl]report.Cell{}}
	for impl, v := range cells {
		r.Cells[impl] = report.Cell{Status: report.OK, Values: []float64{v}}
	}
	return r
}

func verdictOf(t *testing.T, vs []Verdict, goal string) Verdict {
	t.Helper()
	for _, v := range vs {
		if v.Goal.Goal == goal {
			return v
		}
	}
	require.Failf(t, "no such goal", goal)
	return Verdict{}
}

// TestTargetsFile checks the repository's targets file: it loads against the
// suite, and says nothing a clone cannot see (no tracker numbers).
func TestTargetsFile(t *testing.T) {
	root, err := findRoot()
	require.NoError(t, err)
	goals, err := loadTargets(filepath.Join(root, TargetsFile), workloads)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(goals), 20)
	data, err := os.ReadFile(filepath.Join(root, TargetsFile))
	require.NoError(t, err)
	assert.NotRegexp(t, regexp.MustCompile(`(?i)\bissues?\b|#[0-9]+|DESIGN\.md`), string(data))
	for _, g := range goals {
		assert.NotEmpty(t, g.Reason, g.Goal)
		if g.Ratio() {
			assert.NotEqual(t, report.GoP2, g.den.impl, "%s: goals compare with Go at GOMAXPROCS=1", g.Goal)
		}
	}
}

var testSuite = []Workload{
	{Name: "iter_pull", Impls: onlyGo, Metrics: ns("iter_pull", "t", "")},
	{Name: "greenlet_switch", Impls: noC, Metrics: ns("greenlet_switch", "t", "")},
	{Name: "cev_floor", Impls: []report.Impl{report.GeventGo}, GoTest: "./cev", Metrics: ns("cgo_call", "t", "")},
	{Name: "timer_chain", Impls: all, Metrics: ns("timer_chain", "t", "")},
	{Name: "run_callback", Impls: noCNoGo, Metrics: ns("run_callback", "t", "")},
	{Name: "echo", Impls: all, Server: true, Metrics: serverMetrics("echo", "t")},
}

const testTargets = `{"goals": [
 {"goal": "switch", "value": "greenlet_switch[geventgo] / iter_pull[go]", "at_most": 1.15, "reason": "r",
  "floor": ["iter_pull[go]"], "profile": {"of": "greenlet_switch[geventgo]", "functions": ["runtime.coroswitch"]}},
 {"goal": "timer", "value": "timer_chain[geventgo] / timer_chain[c-libev]", "at_most": 1.5, "reason": "r",
  "floor": ["timer_chain[c-libev]", "3*cgo_call[geventgo]"]},
 {"goal": "callback", "value": "run_callback[geventgo]", "at_most": 20, "reason": "r"},
 {"goal": "rps", "value": "echo_rps[geventgo] / echo_rps[c-libev]", "at_least": 0.95, "reason": "r",
  "beside": ["echo_cpu[c-libev]", "echo_cpu[geventgo]"]},
 {"goal": "not run", "value": "echo_cpu[geventgo] / echo_cpu[gevent]", "at_most": 0.5, "reason": "r"}
]}`

func TestCheckGoals(t *testing.T) {
	goals, err := parseTargets([]byte(testTargets), testSuite)
	require.NoError(t, err)
	rows := []report.Row{
		row("iter_pull", "ns/op", map[report.Impl]float64{report.Go: 70, report.GoP2: 71}),
		row("greenlet_switch", "ns/op", map[report.Impl]float64{report.GeventGo: 91}),
		row("cgo_call", "ns/op", map[report.Impl]float64{report.GeventGo: 30}),
		row("timer_chain", "ns/op", map[report.Impl]float64{report.CLibev: 1000, report.GeventGo: 1400}),
		row("run_callback", "ns/op", map[report.Impl]float64{report.GeventGo: 8.5}),
		row("echo_rps", "req/s", map[report.Impl]float64{report.GeventGo: 45000, report.CLibev: 50000}),
		row("echo_cpu", "ns/req", map[report.Impl]float64{report.GeventGo: 16000, report.CLibev: 15000}),
	}
	vs := checkGoals(goals, rows)
	require.Len(t, vs, len(goals))
	profiles := map[progRef]profileResult{
		{"greenlet_switch", report.GeventGo}: {shares: []fnShare{
			{name: "runtime.coroswitch", flat: 10, cum: 71.5}, {name: "runtime.gogo", flat: 40, cum: 40}, {name: "main.main", flat: 5, cum: 99}}},
	}
	addEvidence(vs, rows, profiles)

	sw := verdictOf(t, vs, "switch")
	assert.InDelta(t, 1.3, sw.Value, 1e-9)
	assert.False(t, sw.Met)
	assert.Equal(t, []string{
		"greenlet_switch (geventgo) 91.0 ns/op against iter_pull (Go P1) 70.0 ns/op",
		"floor: iter_pull (Go P1) 70.0 ns/op; greenlet_switch (geventgo) is 21.0 ns/op above it (23% of its value)",
		"CPU profile of greenlet_switch (geventgo) taken in this run: runtime.coroswitch 71.5% cumulative, 10.0% flat; busiest (flat): runtime.gogo 40.0%, runtime.coroswitch 10.0%, main.main 5.0%",
	}, sw.Evidence)

	timer := verdictOf(t, vs, "timer")
	assert.True(t, timer.Met)
	assert.Empty(t, timer.Evidence, "a goal met prints no evidence")

	cb := verdictOf(t, vs, "callback")
	assert.Equal(t, "8.50 ns/op", cb.measured(), "an absolute goal shows the median in its unit")
	assert.Equal(t, "≤ 20.0 ns/op", cb.limitText())
	assert.True(t, cb.Met)

	rps := verdictOf(t, vs, "rps")
	assert.False(t, rps.Met, "0.9x misses an at-least 0.95x goal")
	assert.Equal(t, "≥ 0.95x", rps.limitText())
	assert.Contains(t, rps.Evidence, "echo_cpu (C libev) 15.0k ns/req, echo_cpu (geventgo) 16.0k ns/req")

	gone := verdictOf(t, vs, "not run")
	assert.False(t, gone.OK)
	assert.Equal(t, "not measured in this run", gone.measured())

	md := targetsMarkdown(vs, rows)
	assert.Contains(t, md, "| switch | 1.30x | ≤ 1.15x | **missed** |")
	assert.Contains(t, md, "| not run | not measured in this run | ≤ 0.50x | - |")
	assert.Contains(t, md, "- **switch** (1.30x, limit ≤ 1.15x): greenlet_switch (geventgo) 91.0 ns/op against")
	assert.Contains(t, md, "Why each goal is set where it is")
	text := targetsText(vs, rows)
	assert.Contains(t, text, "missed  switch: 1.30x (limit ≤ 1.15x)\n          greenlet_switch (geventgo) 91.0 ns/op")
	assert.Contains(t, text, "met     timer: 1.40x (limit ≤ 1.50x)")
	assert.NotContains(t, text, "not run", "the terminal skips goals not measured")
}

func TestFloorEvidenceSumsTerms(t *testing.T) {
	goals, err := parseTargets([]byte(testTargets), testSuite)
	require.NoError(t, err)
	rows := []report.Row{
		row("cgo_call", "ns/op", map[report.Impl]float64{report.GeventGo: 30}),
		row("timer_chain", "ns/op", map[report.Impl]float64{report.CLibev: 1000, report.GeventGo: 1600}),
	}
	vs := checkGoals(goals, rows)
	addEvidence(vs, rows, nil)
	timer := verdictOf(t, vs, "timer")
	require.False(t, timer.Met)
	assert.Contains(t, timer.Evidence, "floor: timer_chain (C libev) 1000 ns/op + 3 × cgo_call (geventgo) 30.0 ns/op = 1090 ns/op; timer_chain (geventgo) is 510 ns/op above it (32% of its value)")
}

// TestFloorEvidenceBelowFloor: when noise puts the floor's median above the
// value's, the evidence says below rather than a negative "above".
func TestFloorEvidenceBelowFloor(t *testing.T) {
	goals, err := parseTargets([]byte(`{"goals": [{"goal": "switch", "value": "greenlet_switch[geventgo] / iter_pull[go]",
	  "at_most": 1.15, "reason": "r", "floor": ["2*iter_pull[go]"]}]}`), testSuite)
	require.NoError(t, err)
	rows := []report.Row{
		row("iter_pull", "ns/op", map[report.Impl]float64{report.Go: 60}),
		row("greenlet_switch", "ns/op", map[report.Impl]float64{report.GeventGo: 91}),
	}
	vs := checkGoals(goals, rows)
	addEvidence(vs, rows, nil)
	sw := verdictOf(t, vs, "switch")
	require.False(t, sw.Met)
	assert.Contains(t, sw.Evidence, "floor: 2 × iter_pull (Go P1) 60.0 ns/op = 120 ns/op; greenlet_switch (geventgo) is 29.0 ns/op below it")
}

// TestBesideRatio: a beside entry may be a ratio of two medians (e.g. the
// goal's own ratio for another implementation); a miss prints both medians
// and the ratio, or only what was measured.
func TestBesideRatio(t *testing.T) {
	suite := append(slices.Clone(testSuite), Workload{Name: "echo_2hubs", Program: "echo", Impls: twoLoops, Server: true, Metrics: serverMetrics("echo_2hubs", "t")})
	data := `{"goals": [{"goal": "two", "value": "echo_2hubs_cpu[geventgo] / echo_cpu[geventgo]", "at_most": 1, "reason": "r",
	  "beside": ["echo_2hubs_cpu[c-libev] / echo_cpu[c-libev]", "echo_cpu_sys[c-libev]", "echo_2hubs_rps[c-libev] / echo_rps[c-libev]"]}]}`
	goals, err := parseTargets([]byte(data), suite)
	require.NoError(t, err)
	rows := []report.Row{
		row("echo_cpu", "ns/req", map[report.Impl]float64{report.GeventGo: 10000, report.CLibev: 9000}),
		row("echo_2hubs_cpu", "ns/req", map[report.Impl]float64{report.GeventGo: 16000, report.CLibev: 9900}),
		row("echo_cpu_sys", "ns/req", map[report.Impl]float64{report.CLibev: 7000}),
		row("echo_rps", "req/s", map[report.Impl]float64{report.CLibev: 40000}),
	}
	vs := checkGoals(goals, rows)
	addEvidence(vs, rows, nil)
	v := verdictOf(t, vs, "two")
	require.False(t, v.Met)
	assert.Equal(t, []string{
		"echo_2hubs_cpu (geventgo) 16.0k ns/req against echo_cpu (geventgo) 10.0k ns/req",
		"echo_2hubs_cpu (C libev) 9900 ns/req / echo_cpu (C libev) 9000 ns/req = 1.10x, echo_cpu_sys (C libev) 7000 ns/req, " +
			"echo_2hubs_rps (C libev) not measured / echo_rps (C libev) 40.0k req/s",
	}, v.Evidence)
}

func TestProfileEvidencePrefix(t *testing.T) {
	spec := &ProfileSpec{Functions: []string{"runtime.coroswitch_m", "example.com/greenlet.*"}, prog: progRef{"greenlet_switch", report.GeventGo}}
	got := profileEvidence(spec, profileResult{shares: []fnShare{
		{name: "runtime.coroswitch_m", flat: 2, cum: 47}, {name: "example.com/greenlet.transfer", flat: 20, cum: 39},
		{name: "example.com/greenlet.(*Greenlet).Switch", flat: 6, cum: 45}}})
	assert.Equal(t, "CPU profile of greenlet_switch (geventgo) taken in this run: runtime.coroswitch_m 47.0% cumulative, 2.0% flat, "+
		"example.com/greenlet.* 26.0% flat (together); busiest (flat): example.com/greenlet.transfer 20.0%, example.com/greenlet.(*Greenlet).Switch 6.0%, runtime.coroswitch_m 2.0%", got)
}

func TestProfileEvidenceWithoutProfile(t *testing.T) {
	spec := &ProfileSpec{Functions: []string{"runtime.coroswitch"}, prog: progRef{"greenlet_switch", report.GeventGo}}
	got := profileEvidence(spec, profileResult{err: errors.New("greenlet_switch not built: no\nmore")})
	assert.Equal(t, "CPU profile of greenlet_switch (geventgo) taken in this run: none (greenlet_switch not built: no)", got)
}

func TestParseTargetsRejects(t *testing.T) {
	cases := map[string]string{
		"not json":        `{`,
		"no goals":        `{"goals": []}`,
		"unknown field":   `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "atmost": 2}]}`,
		"no reason":       `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1}]}`,
		"two limits":      `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "at_least": 1, "reason": "r"}]}`,
		"no limit":        `{"goals": [{"goal": "g", "value": "iter_pull[go]", "reason": "r"}]}`,
		"unknown metric":  `{"goals": [{"goal": "g", "value": "nope[go]", "at_most": 1, "reason": "r"}]}`,
		"unknown impl":    `{"goals": [{"goal": "g", "value": "iter_pull[rust]", "at_most": 1, "reason": "r"}]}`,
		"impl not run":    `{"goals": [{"goal": "g", "value": "iter_pull[c-libev]", "at_most": 1, "reason": "r"}]}`,
		"no brackets":     `{"goals": [{"goal": "g", "value": "iter_pull", "at_most": 1, "reason": "r"}]}`,
		"three parts":     `{"goals": [{"goal": "g", "value": "iter_pull[go] / iter_pull[go] / iter_pull[go]", "at_most": 1, "reason": "r"}]}`,
		"bad floor":       `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "floor": ["x*iter_pull[go]"]}]}`,
		"bad beside":      `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "beside": ["nope[go]"]}]}`,
		"bad beside den":  `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "beside": ["iter_pull[go] / nope[go]"]}]}`,
		"beside 3 parts":  `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "beside": ["iter_pull[go] / iter_pull[go] / iter_pull[go]"]}]}`,
		"profile of C":    `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "profile": {"of": "timer_chain[c-libev]", "functions": ["f"]}}]}`,
		"profile no fns":  `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "profile": {"of": "greenlet_switch[geventgo]"}}]}`,
		"profile unknown": `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r", "profile": {"of": "nope[geventgo]", "functions": ["f"]}}]}`,
		"goal twice":      `{"goals": [{"goal": "g", "value": "iter_pull[go]", "at_most": 1, "reason": "r"}, {"goal": "g", "value": "iter_pull[go]", "at_most": 2, "reason": "r"}]}`,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseTargets([]byte(data), testSuite)
			assert.ErrorIs(t, err, ErrBadTargets)
		})
	}
	_, err := loadTargets(filepath.Join(t.TempDir(), "none.json"), testSuite)
	assert.ErrorIs(t, err, ErrBadTargets, "a missing file")
}

func TestParsePprofTop(t *testing.T) {
	out := `File: greenlet_switch
Type: cpu
Duration: 1.21s, Total samples = 1.10s (90.91%)
Showing nodes accounting for 1.10s, 100% of 1.10s total
      flat  flat%   sum%        cum   cum%
     0.50s 45.45% 45.45%      0.50s 45.45%  runtime.gogo
     0.20s 18.18% 63.64%      0.90s 81.82%  runtime.coroswitch (inline)
     0.10s  9.09% 72.73%      0.10s  9.09%  syscall.RawSyscall6
     0.05s  4.55% 77.27%      0.05s  4.55%  syscall.RawSyscall
         0     0% 77.27%      1.10s   100%  main.main
`
	shares, err := parsePprofTop([]byte(out))
	require.NoError(t, err)
	require.Len(t, shares, 5)
	assert.Equal(t, fnShare{name: "runtime.coroswitch", flat: 18.18, cum: 81.82}, shares[1], "an inlined function keeps its plain name")
	flat, cum := shareOf(shares, "syscall.RawSyscall*")
	assert.InDelta(t, 13.64, flat, 1e-9, "a prefix adds up its functions' flat shares")
	assert.InDelta(t, 9.09, cum, 1e-9, "and keeps the largest cumulative one")
	flat, cum = shareOf(shares, "runtime.absent")
	assert.Zero(t, flat+cum)

	for _, bad := range []string{"", "no table\n", "      flat  flat%   sum%        cum   cum%\n", "      flat  flat%   sum%        cum   cum%\n x y% z w v% f\n"} {
		_, err := parsePprofTop([]byte(bad))
		assert.ErrorIs(t, err, ErrBadOutput, "%q", bad)
	}
	assert.True(t, strings.HasPrefix(out, "File:"))
}

func TestSyscallsPerRequest(t *testing.T) {
	out := `# started on Fri Dec  4 17:27:20 2026

3000,,raw_syscalls:sys_enter,136544379,100.00,,
1000,,syscalls:sys_enter_read,136544379,100.00,,
0,,syscalls:sys_enter_recvfrom,136544379,100.00,,
900,,syscalls:sys_enter_write,136544379,100.00,,
100,,syscalls:sys_enter_sendto,136544379,100.00,,
500,,syscalls:sys_enter_epoll_wait,136544379,100.00,,
0,,syscalls:sys_enter_epoll_pwait,136544379,100.00,,
0,,syscalls:sys_enter_epoll_pwait2,136544379,100.00,,
2,,syscalls:sys_enter_futex,136544379,100.00,,
`
	got, err := syscallsPerRequest([]byte(out), "echo_syscalls", 1000)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"echo_syscalls": 3, "echo_syscalls_read": 1, "echo_syscalls_write": 1,
		"echo_syscalls_poll": 0.5, "echo_syscalls_futex": 0.002}, got)

	_, err = syscallsPerRequest([]byte(out), "x", 0)
	assert.ErrorIs(t, err, ErrBadOutput, "no requests")
	_, err = syscallsPerRequest([]byte(strings.Replace(out, "2,,syscalls:sys_enter_futex", "<not counted>,,syscalls:sys_enter_futex", 1)), "x", 10)
	assert.ErrorIs(t, err, ErrNoPerf)
	_, err = syscallsPerRequest([]byte("3000,,raw_syscalls:sys_enter,1,100.00,,\n"), "x", 10)
	assert.ErrorIs(t, err, ErrNoPerf, "a missing event")
}

func TestProfileFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.pprof")
	_, err := profileFiles(path)
	require.ErrorIs(t, err, ErrBadOutput, "a profiled run that wrote nothing")
	for _, f := range []string{path + ".0", path + ".1", path + ".3"} {
		require.NoError(t, os.WriteFile(f, []byte("x"), 0o644))
	}
	got, err := profileFiles(path)
	require.NoError(t, err)
	assert.Equal(t, []string{path + ".0", path + ".1"}, got, "the windows, in order, up to the first gap")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
	got, err = profileFiles(path)
	require.NoError(t, err)
	assert.Equal(t, []string{path}, got, "a whole-run profile")

	require.NoError(t, removeProfiles(path))
	left, err := filepath.Glob(path + "*")
	require.NoError(t, err)
	assert.Empty(t, left, "an earlier sitting's profiles are gone before the run")
}
