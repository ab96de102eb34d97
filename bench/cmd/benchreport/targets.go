package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/geventgo/geventgo/bench/internal/report"
)

// TargetsFile is where the goals live, relative to the repository root: a
// file a reader edits without reading this program.
const TargetsFile = "bench/targets.json"

// ErrBadTargets is wrapped by every error in the targets file.
var ErrBadTargets = errors.New("bad targets file")

// ref names one median of the run: a metric measured for one implementation,
// written "metric[impl]" in the targets file.
type ref struct {
	metric string
	impl   report.Impl
}

func (r ref) String() string { return r.metric + "[" + string(r.impl) + "]" }

// parseRef reads "name[impl]".
func parseRef(s string) (ref, error) {
	s = strings.TrimSpace(s)
	open := strings.IndexByte(s, '[')
	if open <= 0 || !strings.HasSuffix(s, "]") {
		return ref{}, fmt.Errorf("%w: %q is not name[impl]", ErrBadTargets, s)
	}
	impl := report.Impl(s[open+1 : len(s)-1])
	if !slices.Contains(report.Impls, impl) {
		return ref{}, fmt.Errorf("%w: %q: no implementation %q (one of %v)", ErrBadTargets, s, impl, report.Impls)
	}
	return ref{metric: s[:open], impl: impl}, nil
}

// Goal is one entry of the targets file, checked against the medians of one
// run: Value, a median or the ratio of two, must be at most AtMost or at
// least AtLeast.
type Goal struct {
	Goal    string  `json:"goal"`               // the goal in words
	Value   string  `json:"value"`              // "metric[impl]" or "metric[impl] / metric[impl]"
	AtMost  float64 `json:"at_most,omitempty"`  // the limit of a lower-is-better goal
	AtLeast float64 `json:"at_least,omitempty"` // the limit of a higher-is-better goal
	Reason  string  `json:"reason"`             // why the limit is where it is
	// Floor names the medians of the same run whose sum bounds Value's
	// numerator from below (the per-operation floors), each "metric[impl]"
	// or "N*metric[impl]"; a miss prints them, their sum and how far above
	// it the numerator is.
	Floor []string `json:"floor,omitempty"`
	// Beside names medians of the same run a miss prints for context
	// without adding them up (e.g. the kernel's share of each server's CPU):
	// each "metric[impl]", or a ratio "metric[impl] / metric[impl]" printed
	// with its two medians (e.g. the goal's own ratio for C).
	Beside []string `json:"beside,omitempty"`
	// Profile asks for a CPU profile of one geventgo program, taken in the
	// same sitting when the goal is missed; the miss prints the share of
	// the samples in the named functions.
	Profile *ProfileSpec `json:"profile,omitempty"`

	num, den ref         // Value parsed; den is zero for an absolute goal
	unit     string      // num's metric's unit
	floors   []floorTerm // Floor parsed
	beside   []ratio     // Beside parsed
}

// ratio is a median, or the ratio of two when den is set.
type ratio struct {
	num, den ref
}

// parseRatio reads "metric[impl]" or "metric[impl] / metric[impl]" and
// checks each median against ws.
func parseRatio(s string, ws []Workload) (ratio, error) {
	parts := strings.Split(s, "/")
	if len(parts) > 2 {
		return ratio{}, fmt.Errorf("%w: %q: at most one '/'", ErrBadTargets, s)
	}
	refs := make([]ref, len(parts))
	for i, p := range parts {
		r, err := checkedRef(p, ws)
		if err != nil {
			return ratio{}, err
		}
		refs[i] = r
	}
	out := ratio{num: refs[0]}
	if len(refs) == 2 {
		out.den = refs[1]
	}
	return out, nil
}

// floorTerm is one term of a floor: times a median.
type floorTerm struct {
	ref
	times float64
}

// ProfileSpec is a goal's profile evidence.
type ProfileSpec struct {
	Of        string   `json:"of"`        // "workload[geventgo]": the program profiled
	Functions []string `json:"functions"` // exact names, or a prefix ending in "*"

	prog progRef
}

// progRef names one program run: a workload's implementation.
type progRef struct {
	workload string
	impl     report.Impl
}

func (p progRef) String() string { return p.workload + "[" + string(p.impl) + "]" }

// Limit is the goal's bound, whichever side it is on.
func (g Goal) Limit() float64 { return max(g.AtMost, g.AtLeast) }

// Ratio reports whether the goal compares two medians.
func (g Goal) Ratio() bool { return g.den != ref{} }

// loadTargets reads and checks the targets file against the suite.
func loadTargets(path string, ws []Workload) ([]Goal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTargets, err)
	}
	goals, err := parseTargets(data, ws)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return goals, nil
}

// parseTargets decodes the targets file (unknown fields are errors: a typo
// must not silently drop a limit) and checks every goal against ws.
func parseTargets(data []byte, ws []Workload) ([]Goal, error) {
	var file struct {
		About []string `json:"about"`
		Goals []Goal   `json:"goals"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTargets, err)
	}
	if len(file.Goals) == 0 {
		return nil, fmt.Errorf("%w: no goals", ErrBadTargets)
	}
	seen := map[string]bool{}
	for i := range file.Goals {
		g := &file.Goals[i]
		if err := g.check(ws); err != nil {
			return nil, fmt.Errorf("goal %d (%q): %w", i+1, g.Goal, err)
		}
		if seen[g.Goal] {
			return nil, fmt.Errorf("%w: goal %q twice", ErrBadTargets, g.Goal)
		}
		seen[g.Goal] = true
	}
	return file.Goals, nil
}

// check parses the goal's references and checks each against the suite.
func (g *Goal) check(ws []Workload) error {
	if strings.TrimSpace(g.Goal) == "" || strings.TrimSpace(g.Reason) == "" {
		return fmt.Errorf("%w: goal and reason are required", ErrBadTargets)
	}
	if (g.AtMost > 0) == (g.AtLeast > 0) || g.AtMost < 0 || g.AtLeast < 0 {
		return fmt.Errorf("%w: exactly one positive limit, at_most or at_least", ErrBadTargets)
	}
	v, err := parseRatio(g.Value, ws)
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	g.num, g.den = v.num, v.den
	w, _ := workloadOf(ws, g.num.metric)
	for _, m := range w.Metrics {
		if m.Name == g.num.metric {
			g.unit = m.Unit
		}
	}
	g.floors, g.beside = nil, nil
	for _, f := range g.Floor {
		t, err := parseFloorTerm(f, ws)
		if err != nil {
			return err
		}
		g.floors = append(g.floors, t)
	}
	for _, b := range g.Beside {
		r, err := parseRatio(b, ws)
		if err != nil {
			return fmt.Errorf("beside: %w", err)
		}
		g.beside = append(g.beside, r)
	}
	if g.Profile != nil {
		return g.Profile.check(ws)
	}
	return nil
}

func (p *ProfileSpec) check(ws []Workload) error {
	r, err := parseRef(p.Of)
	if err != nil {
		return err
	}
	w, ok := workloadNamed(ws, r.metric)
	switch {
	case !ok:
		return fmt.Errorf("%w: profile of %q: no workload %q", ErrBadTargets, p.Of, r.metric)
	case r.impl != report.GeventGo || !w.Applies(r.impl):
		return fmt.Errorf("%w: profile of %q: only geventgo programs write profiles", ErrBadTargets, p.Of)
	case len(p.Functions) == 0:
		return fmt.Errorf("%w: profile of %q names no functions", ErrBadTargets, p.Of)
	}
	p.prog = progRef{workload: r.metric, impl: r.impl}
	return nil
}

// parseFloorTerm reads "metric[impl]" or "N*metric[impl]".
func parseFloorTerm(s string, ws []Workload) (floorTerm, error) {
	t := floorTerm{times: 1}
	if n, rest, ok := strings.Cut(s, "*"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if err != nil || !(v > 0) {
			return floorTerm{}, fmt.Errorf("%w: floor %q: the factor must be a positive number", ErrBadTargets, s)
		}
		t.times, s = v, rest
	}
	r, err := checkedRef(s, ws)
	t.ref = r
	return t, err
}

// checkedRef parses s and checks that a workload of ws reports its metric
// for its implementation.
func checkedRef(s string, ws []Workload) (ref, error) {
	r, err := parseRef(s)
	if err != nil {
		return ref{}, err
	}
	w, ok := workloadOf(ws, r.metric)
	if !ok {
		return ref{}, fmt.Errorf("%w: %s: no workload reports %q", ErrBadTargets, r, r.metric)
	}
	if !w.Applies(r.impl) {
		return ref{}, fmt.Errorf("%w: %s: workload %s has no %s implementation", ErrBadTargets, r, w.Name, r.impl)
	}
	return r, nil
}

// workloadOf returns the workload that reports metric.
func workloadOf(ws []Workload, metric string) (Workload, bool) {
	for _, w := range ws {
		if slices.ContainsFunc(w.Metrics, func(m report.Metric) bool { return m.Name == metric }) {
			return w, true
		}
	}
	return Workload{}, false
}

func workloadNamed(ws []Workload, name string) (Workload, bool) {
	i := slices.IndexFunc(ws, func(w Workload) bool { return w.Name == name })
	if i < 0 {
		return Workload{}, false
	}
	return ws[i], true
}

// Verdict is a goal checked against one run.
type Verdict struct {
	Goal
	Value float64 // the ratio, or the absolute median
	OK    bool    // Value was measured
	Met   bool    // OK and Value is within the limit; false when not measured
	// Evidence is what this run measured beside a missed goal: its medians,
	// its floors, the profile's shares. Empty for a goal met or not measured.
	Evidence []string
}

// median returns the median of r in rows.
func median(rows []report.Row, r ref) (float64, bool) {
	for _, row := range rows {
		if row.Metric.Name == r.metric {
			s, ok := row.Cell(r.impl).Stats()
			return s.Median, ok
		}
	}
	return 0, false
}

// checkGoals evaluates every goal on the medians rows hold.
func checkGoals(goals []Goal, rows []report.Row) []Verdict {
	var out []Verdict
	for _, g := range goals {
		v := Verdict{Goal: g}
		num, ok := median(rows, g.num)
		if ok && g.Ratio() {
			den, dok := median(rows, g.den)
			ok = dok && den != 0
			if ok {
				num /= den
			}
		}
		if ok {
			v.Value, v.OK = num, true
			if g.AtMost > 0 {
				v.Met = num <= g.AtMost
			} else {
				v.Met = num >= g.AtLeast
			}
		}
		out = append(out, v)
	}
	return out
}

// unitOf is the unit of metric's row, or "".
func unitOf(rows []report.Row, metric string) string {
	for _, r := range rows {
		if r.Metric.Name == metric {
			return r.Metric.Unit
		}
	}
	return ""
}

// format prints x as the goal's value: a ratio with an x, or an absolute
// median in its metric's unit.
func (g Goal) format(x float64) string {
	if g.Ratio() {
		return report.FormatRatio(x, true)
	}
	return strings.TrimSpace(report.FormatValue(x) + " " + g.unit)
}

// limitText is the goal's bound, "≤ 1.15x" or "≥ 0.95x".
func (g Goal) limitText() string {
	if g.AtMost > 0 {
		return "≤ " + g.format(g.AtMost)
	}
	return "≥ " + g.format(g.AtLeast)
}

// measured formats the verdict's value.
func (v Verdict) measured() string {
	if !v.OK {
		return "not measured in this run"
	}
	return v.format(v.Value)
}

func (v Verdict) status() string {
	switch {
	case !v.OK:
		return "-"
	case v.Met:
		return "met"
	default:
		return "**missed**"
	}
}

// targetsMarkdown is the report's section on the goals.
func targetsMarkdown(vs []Verdict, rows []report.Row) string {
	var b strings.Builder
	b.WriteString("## Goals\n\n")
	b.WriteString("Each goal of `" + TargetsFile + "` checked against the medians of this run (ratios of medians, as in the table).\n\n")
	b.WriteString("| goal | measured | limit | |\n| --- | ---: | ---: | --- |\n")
	var missed []string
	for _, v := range vs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(v.Goal.Goal), v.measured(), v.limitText(), v.status())
		if v.OK && !v.Met {
			line := fmt.Sprintf("- **%s** (%s, limit %s)", v.Goal.Goal, v.measured(), v.limitText())
			if len(v.Evidence) > 0 {
				line += ": " + strings.Join(v.Evidence, "; ")
			}
			missed = append(missed, line+".")
		}
	}
	if len(missed) > 0 {
		b.WriteString("\nWhat this run measured beside each missed goal (its medians, the floors under it, and where a CPU profile of geventgo's program, taken in this run, spent its samples):\n\n")
		b.WriteString(strings.Join(missed, "\n") + "\n")
	}
	b.WriteString("\n<details><summary>Why each goal is set where it is</summary>\n\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "- **%s**: %s\n", v.Goal.Goal, v.Reason)
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// targetsText is the terminal summary: one line per goal measured, and the
// evidence under each miss.
func targetsText(vs []Verdict, rows []report.Row) string {
	var b strings.Builder
	b.WriteString("\nGoals (" + TargetsFile + "):\n")
	for _, v := range vs {
		if !v.OK {
			continue // a subset run (-only, -quick): the report lists them
		}
		st := strings.Trim(v.status(), "*")
		fmt.Fprintf(&b, "  %-7s %s: %s (limit %s)\n", st, v.Goal.Goal, v.measured(), v.limitText())
		for _, e := range v.Evidence {
			fmt.Fprintf(&b, "          %s\n", e)
		}
	}
	return b.String()
}
