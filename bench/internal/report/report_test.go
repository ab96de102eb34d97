package report

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	cases := []struct {
		name   string
		values []float64
		want   Stats
	}{
		{"one", []float64{7}, Stats{Median: 7, Min: 7, Max: 7, Runs: 1}},
		{"odd unsorted", []float64{5, 1, 3}, Stats{Median: 3, Min: 1, Max: 5, Runs: 3}},
		{"even averages the middle", []float64{4, 1, 3, 10}, Stats{Median: 3.5, Min: 1, Max: 10, Runs: 4}},
		{"five", []float64{812, 790, 1200, 805, 799}, Stats{Median: 805, Min: 790, Max: 1200, Runs: 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := append([]float64(nil), c.values...)
			got, err := Summarize(c.values)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
			assert.Equal(t, in, c.values, "Summarize must not reorder its input")
		})
	}
	_, err := Summarize(nil)
	assert.ErrorIs(t, err, ErrNoValues)
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{
		1.234:     "1.23",
		12.34:     "12.3",
		812.4:     "812",
		1347.2:    "1347",
		11500:     "11.5k",
		123456:    "123k",
		1234567:   "1.23M",
		123456789: "123.5M",
	} {
		assert.Equal(t, want, FormatValue(v), "FormatValue(%v)", v)
	}
}

func TestFormatRatio(t *testing.T) {
	assert.Equal(t, "1.50x", FormatRatio(1.5, true))
	assert.Equal(t, "23.4x", FormatRatio(23.4, true))
	assert.Equal(t, "123x", FormatRatio(123.4, true))
	assert.Equal(t, "-", FormatRatio(2, false))
}

// sampleRows has one row with every kind of cell and a throughput row.
func sampleRows() []Row {
	return []Row{
		{
			Metric: Metric{Name: "timer_chain", Title: "zero-delay timer", Unit: "ns/op", Bound: "libev"},
			Cells: map[Impl]Cell{
				CLibev:   {Status: OK, Values: []float64{400, 410, 390, 420, 405}},
				GeventGo: {Status: OK, Values: []float64{800, 820, 790, 810, 805}},
				Gevent:   {Status: OK, Values: []float64{8050, 8000, 8100, 8200, 7900}},
				Go:       {Status: Failed, Note: "run 1: exit status 1"},
			},
		},
		{
			Metric: Metric{Name: "queue_prodcons", Unit: "ns/op"},
			Cells: map[Impl]Cell{
				GeventGo: {Status: NotBuilt, Note: "no bench/geventgo/queue_prodcons/ yet"},
				Gevent:   {Status: OK, Values: []float64{200, 210, 190}},
				Go:       {Status: OK, Values: []float64{50, 51, 49}},
			},
		},
		{
			Metric: Metric{Name: "echo_rps", Unit: "req/s"},
			Cells: map[Impl]Cell{
				CLibev:   {Status: OK, Values: []float64{60000, 61000, 59000}},
				GeventGo: {Status: OK, Values: []float64{54000, 55000, 53000}},
			},
		},
	}
}

func TestRatio(t *testing.T) {
	rows := sampleRows()
	r, ok := rows[0].Ratio(GeventGo, CLibev)
	require.True(t, ok)
	assert.InDelta(t, 805.0/405.0, r, 1e-9)
	r, ok = rows[0].Ratio(Gevent, GeventGo)
	require.True(t, ok)
	assert.InDelta(t, 8050.0/805.0, r, 1e-9)
	_, ok = rows[0].Ratio(GeventGo, Go)
	assert.False(t, ok, "a failed cell has no ratio")
	_, ok = rows[1].Ratio(Gevent, GeventGo)
	assert.False(t, ok, "a not-built cell has no ratio")
	assert.True(t, rows[2].Metric.HigherIsBetter())
	assert.False(t, rows[0].Metric.HigherIsBetter())
}

func TestJSONShape(t *testing.T) {
	b, err := JSON(sampleRows())
	require.NoError(t, err)
	var recs []map[string]any
	require.NoError(t, json.Unmarshal(b, &recs))
	// 4 cells of timer_chain, 3 of queue_prodcons (C libev is n/a), 2 of echo_rps.
	require.Len(t, recs, 9)

	first := recs[0]
	assert.Equal(t, "timer_chain", first["workload"])
	assert.Equal(t, "c-libev", first["impl"])
	assert.Equal(t, "ns/op", first["unit"])
	assert.Equal(t, 405.0, first["median"])
	assert.Equal(t, 390.0, first["min"])
	assert.Equal(t, 420.0, first["max"])
	assert.Equal(t, 5.0, first["runs"])
	assert.Equal(t, "ok", first["status"])

	failed := recs[3]
	assert.Equal(t, "go", failed["impl"])
	assert.Equal(t, "failed", failed["status"])
	assert.Equal(t, 0.0, failed["runs"])
	assert.NotContains(t, failed, "median", "no number is invented for a failed cell")
	assert.Equal(t, "run 1: exit status 1", failed["note"])

	notBuilt := recs[4]
	assert.Equal(t, "queue_prodcons", notBuilt["workload"])
	assert.Equal(t, "geventgo", notBuilt["impl"])
	assert.Equal(t, "not built", notBuilt["status"])
	assert.NotContains(t, notBuilt, "median")

	for _, r := range recs {
		assert.NotEqual(t, "n/a", r["status"], "cells that do not apply are left out")
		assert.Contains(t, []any{"c-libev", "geventgo", "gevent", "go"}, r["impl"])
	}

	empty, err := JSON(nil)
	require.NoError(t, err)
	assert.Equal(t, "[]\n", string(empty))
}

func TestOKCellWithoutValuesIsReportedFailed(t *testing.T) {
	rows := []Row{{Metric: Metric{Name: "x", Unit: "ns/op"}, Cells: map[Impl]Cell{Go: {Status: OK}}}}
	recs := Records(rows)
	require.Len(t, recs, 1)
	assert.Equal(t, Failed, recs[0].Status)
	assert.Equal(t, "failed", FormatCell(rows[0].Cell(Go)))
}

func TestText(t *testing.T) {
	out := Text(sampleRows())
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 5, "header, rule, three rows")
	assert.True(t, strings.HasPrefix(lines[0], "workload  "))
	assert.True(t, strings.HasSuffix(lines[0], "bound by"))
	assert.True(t, strings.HasPrefix(lines[1], "-----"))
	row := lines[2]
	assert.Contains(t, row, "405 (390-420)")
	assert.Contains(t, row, "805 (790-820)")
	assert.Contains(t, row, "8050 (7900-8200)")
	assert.Contains(t, row, "failed")
	assert.Contains(t, row, "1.99x")
	assert.Contains(t, row, "10.0x")
	assert.True(t, strings.HasSuffix(row, "libev"))
	assert.Contains(t, lines[3], "n/a")
	assert.Contains(t, lines[3], "not built")
	// Columns line up: every row starts its C libev cell at the same offset.
	col := strings.Index(lines[0], "C libev")
	for _, l := range lines[2:] {
		assert.NotEqual(t, ' ', l[col], "cell starts at the column: %q", l)
		assert.Equal(t, byte(' '), l[col-1])
	}
}

func TestMarkdown(t *testing.T) {
	out := Markdown(sampleRows())
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 5)
	assert.Equal(t, "| workload | unit | C libev | geventgo | gevent | Go P1 | Go P2 | geventgo/C libev | gevent/geventgo | geventgo/Go P1 | bound by |", lines[0])
	assert.Equal(t, strings.Count(lines[0], "|"), strings.Count(lines[1], "|"))
	assert.Contains(t, lines[1], "---:")
	assert.Equal(t, "| echo_rps | req/s | 60.0k (59.0k-61.0k) | 54.0k (53.0k-55.0k) | n/a | n/a | n/a | 0.90x | - | - | - |", lines[4])
}

func TestSVGIsWellFormed(t *testing.T) {
	svg := SVG(sampleRows(), "bench <test> & chart")
	dec := xml.NewDecoder(strings.NewReader(svg))
	elements := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok {
			elements[se.Name.Local]++
		}
	}
	assert.Equal(t, 1, elements["svg"])
	// One bar per measured cell: 3 + 2 + 2.
	assert.Equal(t, 7, strings.Count(svg, "<title>"))
	for _, impl := range Impls {
		assert.Contains(t, svg, implColour[impl])
		assert.Contains(t, svg, ">"+impl.Label()+"<", "legend names %s", impl)
	}
	assert.Contains(t, svg, "bench &lt;test&gt; &amp; chart")
	assert.Contains(t, svg, "not built")
	assert.Contains(t, svg, "failed")
	assert.Contains(t, svg, "lower is better")
	assert.Contains(t, svg, "higher is better")
	assert.Contains(t, svg, "100 ns")
	assert.Contains(t, svg, "10 µs")
}

func TestLogRange(t *testing.T) {
	lo, hi := logRange([]float64{390, 8200})
	assert.Equal(t, 100.0, lo)
	assert.Equal(t, 10000.0, hi)
	lo, hi = logRange([]float64{1000})
	assert.Equal(t, 1000.0, lo)
	assert.Equal(t, 10000.0, hi, "a single power of ten still gets a decade")
	lo, hi = logRange(nil)
	assert.Less(t, lo, hi)
}

func TestHumanValue(t *testing.T) {
	assert.Equal(t, "100 ns", humanValue(100, "ns/op"))
	assert.Equal(t, "1 µs", humanValue(1000, "ns/op"))
	assert.Equal(t, "1.5 ms", humanValue(1.5e6, "ns/op"))
	assert.Equal(t, "2.42 ms", humanValue(2416, "us"))
	assert.Equal(t, "3 KiB", humanValue(3072, "B/greenlet"))
	assert.Equal(t, "10k/s", humanValue(1e4, "req/s"))
}
