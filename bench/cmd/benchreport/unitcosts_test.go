package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/geventgo/geventgo/bench/internal/report"
)

func TestUnitCostsLine(t *testing.T) {
	row := func(name string, impl report.Impl, v float64) report.Row {
		return report.Row{Metric: report.Metric{Name: name, Unit: "ns/op"},
			Cells: map[report.Impl]report.Cell{impl: {Status: report.OK, Values: []float64{v, v + 2, v + 1}}}}
	}
	rows := []report.Row{
		row("idle", report.CLibev, 1200),
		row("iter_pull", report.Go, 70),
		row("iter_pull", report.GoP2, 60), // not the unit cost: Go P1's is
		{Metric: report.Metric{Name: "cgo_call", Unit: "ns/op"},
			Cells: map[report.Impl]report.Cell{report.GeventGo: {Status: report.Failed}}},
	}
	got := unitCostsLine(rows)
	assert.Contains(t, got, "a C libev loop pass with one epoll_wait(0) 1201 ns/op (idle, C libev)")
	assert.Contains(t, got, "an iter.Pull round trip (two coroutine switches) 71.0 ns/op (iter_pull, Go P1)")
	assert.NotContains(t, got, "cgo", "a failed cell has no median to give")
	assert.NotContains(t, got, "read(2)", "a row that did not run is left out")
	assert.Empty(t, unitCostsLine([]report.Row{row("echo", report.CLibev, 1)}))
}
