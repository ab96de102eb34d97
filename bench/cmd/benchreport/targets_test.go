package main

import (
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
		if v.Goal == goal {
			return v
		}
	}
	require.Failf(t, "no such target", goal)
	return Verdict{}
}

func TestCheckTargets(t *testing.T) {
	rows := []report.Row{
		row("timer_chain", "ns/op", map[report.Impl]float64{report.CLibev: 1000, report.GeventGo: 1400}),
		row("io_pingpong", "ns/op", map[report.Impl]float64{report.CLibev: 1000, report.GeventGo: 1300}),
		row("channel", "ns/op", map[report.Impl]float64{report.GeventGo: 300, report.Gevent: 4800}),
		row("run_callback", "ns/op", map[report.Impl]float64{report.GeventGo: 8.5}),
		row("echo_rps", "req/s", map[report.Impl]float64{report.GeventGo: 45000, report.CLibev: 50000}),
	}
	vs := checkTargets(rows)
	require.Len(t, vs, len(targets))

	timer := verdictOf(t, vs, "zero-delay timer re-armed from its callback within 1.5x of C")
	assert.True(t, timer.OK)
	assert.InDelta(t, 1.4, timer.Value, 1e-9)
	assert.True(t, timer.Met)

	io := verdictOf(t, vs, "io ping-pong within 1.2x of C")
	assert.False(t, io.Met, "1.3x is over an at-most 1.2x goal")

	ch := verdictOf(t, vs, "Channel rendezvous at least 15x faster than gevent")
	assert.InDelta(t, 16, ch.Value, 1e-9)
	assert.True(t, ch.Met)

	cb := verdictOf(t, vs, "run_callback at most 20 ns per callback")
	assert.Equal(t, "8.50 ns/op", cb.measured(rows), "an absolute goal shows the median in its unit")
	assert.True(t, cb.Met)

	rps := verdictOf(t, vs, "echo throughput at least 0.85x C libev")
	assert.True(t, rps.Met, "0.9x meets an at-least 0.85x goal")

	gone := verdictOf(t, vs, "idle activations within 1.5x of C")
	assert.False(t, gone.OK)
	assert.Equal(t, "not measured in this run", gone.measured(rows))

	md := targetsMarkdown(rows)
	assert.Contains(t, md, "| 2 | io ping-pong within 1.2x of C | 1.30x | **missed** |")
	assert.Contains(t, md, "Why the missed goals are missed")
	assert.Contains(t, md, "two cgo calls into ev_run per round trip")
	assert.NotContains(t, md, "less than 10x faster", "a goal not measured gets no explanation")
	assert.Contains(t, targetsText(rows), "missed  issue 2: io ping-pong within 1.2x of C: 1.30x")
	assert.NotContains(t, targetsText(rows), "idle activations", "the terminal skips goals not measured")
}
