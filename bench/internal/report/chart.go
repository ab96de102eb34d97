package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Colours of the implementations in the chart: geventgo stands out, its
// references are calmer.
var implColour = map[Impl]string{
	CLibev:   "#5b6770",
	GeventGo: "#e4572e",
	Gevent:   "#4c9f38",
	Go:       "#00a4cc",
	GoP2:     "#8fd3e6",
}

// unitPanels orders the chart's panels: one per unit, because a log axis
// shared by nanoseconds and requests per second would mean nothing.
var unitPanels = []struct{ unit, title, axis string }{
	{"ns/op", "Time per operation (log scale, lower is better)", "time per operation"},
	{"ns/req", "Server CPU time per request (log scale, lower is better)", "server CPU per request"},
	{"calls/req", "Server system calls per request (log scale, lower is better)", "system calls per request"},
	{"req/s", "Server throughput (log scale, higher is better)", "requests per second"},
	{"us", "Server p99 latency (log scale, lower is better)", "99th percentile round trip"},
	{"B/greenlet", "Memory per suspended greenlet (log scale, lower is better)", "resident memory per greenlet"},
}

// Chart geometry in pixels.
const (
	chartWidth = 1000
	labelRight = 200 // workload names end here
	plotLeft   = 210
	plotRight  = 860 // bars end by here; value labels go to the right
	barHeight  = 10
	barGap     = 2
	groupGap   = 12
	panelHead  = 46
	axisHeight = 34
)

// humanValue prints a value of unit with a readable unit prefix, for axis
// ticks and bar labels.
func humanValue(v float64, unit string) string {
	switch unit {
	case "ns/op", "ns/req":
		switch {
		case v >= 1e6:
			return trimNum(v/1e6) + " ms"
		case v >= 1e3:
			return trimNum(v/1e3) + " µs"
		default:
			return trimNum(v) + " ns"
		}
	case "us":
		if v >= 1e3 {
			return trimNum(v/1e3) + " ms"
		}
		return trimNum(v) + " µs"
	case "B/greenlet":
		switch {
		case v >= 1<<20:
			return trimNum(v/(1<<20)) + " MiB"
		case v >= 1<<10:
			return trimNum(v/(1<<10)) + " KiB"
		default:
			return trimNum(v) + " B"
		}
	case "req/s":
		return strings.Replace(FormatValue(v), ".0k", "k", 1) + "/s"
	}
	return FormatValue(v)
}

// trimNum prints up to three significant digits without trailing zeros.
func trimNum(v float64) string {
	s := FormatValue(v)
	if strings.Contains(s, ".") && !strings.ContainsAny(s, "kM") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// logRange returns powers of ten enclosing every value.
func logRange(values []float64) (lo, hi float64) {
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if v > 0 {
			mn, mx = math.Min(mn, v), math.Max(mx, v)
		}
	}
	if math.IsInf(mn, 1) {
		return 1, 10
	}
	lo = math.Pow(10, math.Floor(math.Log10(mn)))
	hi = math.Pow(10, math.Ceil(math.Log10(mx)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

// SVG renders rows as grouped horizontal bars (one group per metric, one bar
// per implementation, median with a min-max whisker) on log axes, one panel
// per unit, with a legend. title heads the chart.
func SVG(rows []Row, title string) string {
	var body strings.Builder
	y := 70.0
	for _, p := range unitPanels {
		var panel []Row
		var values []float64
		for _, r := range rows {
			if r.Metric.Unit != p.unit {
				continue
			}
			panel = append(panel, r)
			for _, impl := range Impls {
				if s, ok := r.Cell(impl).Stats(); ok {
					values = append(values, s.Min, s.Max)
				}
			}
		}
		if len(panel) == 0 {
			continue
		}
		y = drawPanel(&body, panel, p.unit, p.title, p.axis, values, y)
	}
	height := int(y) + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`+"\n", chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="20" font-weight="bold" fill="#222">%s</text>`+"\n", 20, html.EscapeString(title))
	// Legend.
	x := 20.0
	for _, impl := range Impls {
		fmt.Fprintf(&b, `<rect x="%.0f" y="42" width="14" height="14" rx="2" fill="%s"/>`, x, implColour[impl])
		fmt.Fprintf(&b, `<text x="%.0f" y="54" font-size="14" fill="#222">%s</text>`+"\n", x+20, html.EscapeString(impl.Label()))
		x += 40 + 9*float64(len(impl.Label()))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="54" font-size="12" fill="#666">bar: median · whisker: min–max · absent bar: does not apply</text>`+"\n", x+20)
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}

func drawPanel(b *strings.Builder, rows []Row, unit, title, axis string, values []float64, y float64) float64 {
	lo, hi := logRange(values)
	span := math.Log10(hi) - math.Log10(lo)
	xOf := func(v float64) float64 {
		if v <= lo {
			return plotLeft
		}
		return plotLeft + (math.Log10(v)-math.Log10(lo))/span*(plotRight-plotLeft)
	}
	y += 10
	fmt.Fprintf(b, `<text x="20" y="%.0f" font-size="15" font-weight="bold" fill="#222">%s</text>`+"\n", y+18, html.EscapeString(title))
	top := y + panelHead - 16
	groupH := float64(len(Impls))*(barHeight+barGap) + groupGap
	bottom := top + float64(len(rows))*groupH
	// Zebra background per workload, then grid lines under the bars.
	for i := range rows {
		gy := top + float64(i)*groupH
		if i%2 == 0 {
			fmt.Fprintf(b, `<rect x="10" y="%.1f" width="%d" height="%.1f" fill="#f4f6f8"/>`+"\n", gy, chartWidth-20, groupH)
		}
	}
	for d := lo; d <= hi*1.0001; d *= 10 {
		x := xOf(d)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c8cdd2" stroke-width="1"/>`+"\n", x, top, x, bottom)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" fill="#444" text-anchor="middle">%s</text>`+"\n", x, bottom+16, html.EscapeString(humanValue(d, unit)))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#333" stroke-width="1"/>`+"\n", plotLeft, top, plotLeft, bottom)
	fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="12" fill="#444" text-anchor="middle">%s (%s, log scale)</text>`+"\n", (plotLeft+plotRight)/2, bottom+31, html.EscapeString(axis), html.EscapeString(unit))
	for i, r := range rows {
		gy := top + float64(i)*groupH + groupGap/2
		mid := gy + float64(len(Impls))*(barHeight+barGap)/2
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="13" fill="#222" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", labelRight, mid, html.EscapeString(r.Metric.Name))
		for j, impl := range Impls {
			by := gy + float64(j)*(barHeight+barGap)
			c := r.Cell(impl)
			s, ok := c.Stats()
			if !ok {
				if c.Status != NotApplicable {
					fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="10" fill="%s" font-style="italic" dominant-baseline="middle">%s: %s</text>`+"\n", plotLeft+4, by+barHeight/2, implColour[impl], html.EscapeString(impl.Label()), html.EscapeString(string(statusOf(c))))
				}
				continue
			}
			x := xOf(s.Median)
			fmt.Fprintf(b, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="%s"><title>%s %s: %s</title></rect>`+"\n", plotLeft, by, math.Max(x-plotLeft, 1), barHeight, implColour[impl], html.EscapeString(impl.Label()), html.EscapeString(r.Metric.Name), html.EscapeString(FormatCell(c)+" "+unit))
			if s.Max > s.Min {
				x1, x2 := xOf(s.Min), xOf(s.Max)
				wy := by + barHeight/2
				fmt.Fprintf(b, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" stroke="#222" stroke-width="1" fill="none"/>`+"\n", x1, wy, x2, x1, wy-3, wy+3, x2, wy-3, wy+3)
			}
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10" fill="#333" dominant-baseline="middle">%s</text>`+"\n", math.Max(x, xOf(s.Max))+5, by+barHeight/2, html.EscapeString(humanValue(s.Median, unit)))
		}
	}
	return bottom + axisHeight + 6
}

func statusOf(c Cell) Status {
	if c.Status == OK {
		return Failed
	}
	return c.Status
}
