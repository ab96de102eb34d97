// Package report turns the runs of bench/cmd/benchreport into statistics, the
// side-by-side table (text and Markdown), latest.json and an SVG chart.
package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Impl names one implementation of a workload, or plain Go's at one
// GOMAXPROCS: a hub uses one core, so Go at GOMAXPROCS=1 is the baseline the
// goals compare with, and GOMAXPROCS=2 is shown beside it.
type Impl string

// The implementations, in table order.
const (
	CLibev   Impl = "c-libev"
	GeventGo Impl = "geventgo"
	Gevent   Impl = "gevent"
	Go       Impl = "go"    // plain Go at GOMAXPROCS=1
	GoP2     Impl = "go-p2" // the same program at GOMAXPROCS=2
)

// Impls lists every implementation in the order of the table's columns.
var Impls = []Impl{CLibev, GeventGo, Gevent, Go, GoP2}

// GOMAXPROCS is the value the runner sets for impl's programs, or 0 when it
// leaves the Go runtime's default (geventgo: one core per hub, the rest for
// the runtime's own threads).
func (i Impl) GOMAXPROCS() int {
	switch i {
	case Go:
		return 1
	case GoP2:
		return 2
	}
	return 0
}

// Label is the column heading of an implementation.
func (i Impl) Label() string {
	switch i {
	case CLibev:
		return "C libev"
	case GeventGo:
		return "geventgo"
	case Gevent:
		return "gevent"
	case Go:
		return "Go P1"
	case GoP2:
		return "Go P2"
	}
	return string(i)
}

// Status says why a cell has, or has no, numbers.
type Status string

// Cell states. NotApplicable cells are left out of latest.json; NotBuilt and
// Failed ones are recorded without numbers so their absence is visible.
const (
	OK            Status = "ok"
	NotApplicable Status = "n/a"
	NotBuilt      Status = "not built"
	Failed        Status = "failed"
)

// Metric is one row of the table: one value a workload's programs report.
type Metric struct {
	Name  string // the "workload" field of the programs' JSON lines
	Title string // what is measured, for people
	Unit  string // "ns/op", "ns/req", "calls/req", "req/s", "us" or "B/greenlet"
	Bound string // what bounds it (the floor), when known
}

// HigherIsBetter reports whether larger values of the metric are better
// (throughput) rather than worse (time, latency, memory).
func (m Metric) HigherIsBetter() bool { return m.Unit == "req/s" }

// Cell is one implementation's measurements of one metric.
type Cell struct {
	Status Status    // OK when Values holds the runs' numbers
	Values []float64 // one per run, in run order
	Note   string    // why it was not built or failed
}

// Row is one metric measured for every implementation.
type Row struct {
	Metric Metric        // the metric measured
	Cells  map[Impl]Cell // by implementation; a missing one is NotApplicable (see Row.Cell)
}

// Cell returns the cell of impl, NotApplicable when absent.
func (r Row) Cell(impl Impl) Cell {
	if c, ok := r.Cells[impl]; ok {
		return c
	}
	return Cell{Status: NotApplicable}
}

// ErrNoValues is returned when statistics are asked of no runs.
var ErrNoValues = errors.New("report: no values")

// Stats summarises the runs of one cell.
type Stats struct {
	Median, Min, Max float64 // over the runs' values, in the metric's unit
	Runs             int     // how many values there were
}

// Summarize returns the median (the mean of the two middle values for an
// even count), minimum and maximum of values.
func Summarize(values []float64) (Stats, error) {
	if len(values) == 0 {
		return Stats{}, ErrNoValues
	}
	s := slices.Clone(values)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Stats{Median: med, Min: s[0], Max: s[n-1], Runs: n}, nil
}

// Stats summarises the cell; ok is false unless it has numbers.
func (c Cell) Stats() (Stats, bool) {
	if c.Status != OK {
		return Stats{}, false
	}
	s, err := Summarize(c.Values)
	return s, err == nil
}

// Ratio returns the ratio of the medians of impl a over impl b; ok is false
// when either has no numbers.
func (r Row) Ratio(a, b Impl) (float64, bool) {
	sa, oka := r.Cell(a).Stats()
	sb, okb := r.Cell(b).Stats()
	if !oka || !okb || sb.Median == 0 {
		return 0, false
	}
	return sa.Median / sb.Median, true
}

// Record is one element of latest.json: one implementation's cell of one
// row. The statistics and Values are set only for a cell with numbers.
type Record struct {
	Workload string    `json:"workload"`         // the row's Metric.Name
	Impl     Impl      `json:"impl"`             // the implementation measured
	Unit     string    `json:"unit"`             // the row's Metric.Unit
	Median   *float64  `json:"median,omitempty"` // nil (omitted) without numbers
	Min      *float64  `json:"min,omitempty"`    // nil (omitted) without numbers
	Max      *float64  `json:"max,omitempty"`    // nil (omitted) without numbers
	Runs     int       `json:"runs"`             // how many values; 0 without numbers
	Values   []float64 `json:"values,omitempty"` // one per run, in run order
	Status   Status    `json:"status"`           // the cell's; Failed for an OK cell with no runs
	Note     string    `json:"note,omitempty"`   // the cell's, or "no runs"
}

// Records flattens rows into latest.json's records, in table order;
// implementations that do not apply to a workload are left out.
func Records(rows []Row) []Record {
	var out []Record
	for _, r := range rows {
		for _, impl := range Impls {
			c := r.Cell(impl)
			if c.Status == NotApplicable {
				continue
			}
			rec := Record{Workload: r.Metric.Name, Impl: impl, Unit: r.Metric.Unit, Status: c.Status, Note: c.Note}
			if s, ok := c.Stats(); ok {
				rec.Median, rec.Min, rec.Max = &s.Median, &s.Min, &s.Max
				rec.Runs = s.Runs
				rec.Values = c.Values
			} else if c.Status == OK {
				rec.Status = Failed
				rec.Note = cmp.Or(rec.Note, "no runs")
			}
			out = append(out, rec)
		}
	}
	return out
}

// JSON encodes the records of rows as an indented JSON array.
func JSON(rows []Row) ([]byte, error) {
	recs := Records(rows)
	if recs == nil {
		recs = []Record{}
	}
	b, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// FormatValue prints a measurement with three significant digits, using k
// and M for large values.
func FormatValue(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e7:
		return fmt.Sprintf("%.1fM", v/1e6)
	case a >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case a >= 1e5:
		return fmt.Sprintf("%.0fk", v/1e3)
	case a >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// FormatCell prints "median (min-max)" or the cell's status.
func FormatCell(c Cell) string {
	s, ok := c.Stats()
	if !ok {
		if c.Status == OK {
			return string(Failed)
		}
		return string(c.Status)
	}
	return fmt.Sprintf("%s (%s-%s)", FormatValue(s.Median), FormatValue(s.Min), FormatValue(s.Max))
}

// FormatRatio prints a ratio as "1.23x", or "-" when it cannot be computed.
func FormatRatio(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0fx", v)
	case v >= 10:
		return fmt.Sprintf("%.1fx", v)
	default:
		return fmt.Sprintf("%.2fx", v)
	}
}

// ratioColumns are the ratios the table shows, numerator over denominator.
var ratioColumns = [][2]Impl{{GeventGo, CLibev}, {Gevent, GeventGo}, {GeventGo, Go}}

// Header is the table's column headings.
func Header() []string {
	h := []string{"workload", "unit"}
	for _, impl := range Impls {
		h = append(h, impl.Label())
	}
	for _, rc := range ratioColumns {
		h = append(h, rc[0].Label()+"/"+rc[1].Label())
	}
	return append(h, "bound by")
}

// TableCells returns the table's cells for one row, matching Header.
func (r Row) TableCells() []string {
	out := []string{r.Metric.Name, r.Metric.Unit}
	for _, impl := range Impls {
		out = append(out, FormatCell(r.Cell(impl)))
	}
	for _, rc := range ratioColumns {
		out = append(out, FormatRatio(r.Ratio(rc[0], rc[1])))
	}
	return append(out, cmp.Or(r.Metric.Bound, "-"))
}

// Text renders rows as an aligned plain-text table for the terminal.
func Text(rows []Row) string {
	table := [][]string{Header()}
	for _, r := range rows {
		table = append(table, r.TableCells())
	}
	widths := make([]int, len(table[0]))
	for _, line := range table {
		for i, c := range line {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for n, line := range table {
		for i, c := range line {
			if i == len(line)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))+2))
		}
		b.WriteByte('\n')
		if n == 0 {
			total := 0
			for _, w := range widths {
				total += w + 2
			}
			b.WriteString(strings.Repeat("-", total))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Markdown renders rows as a GitHub-flavoured Markdown table.
func Markdown(rows []Row) string {
	var b strings.Builder
	h := Header()
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|")
	for i := range h {
		if i >= 2 && i < len(h)-1 {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteByte('\n')
	for _, r := range rows {
		cells := r.TableCells()
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}
