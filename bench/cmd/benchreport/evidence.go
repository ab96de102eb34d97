package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
	"github.com/geventgo/geventgo/bench/internal/report"
)

// fnShare is one function's share of a CPU profile's samples, in percent.
type fnShare struct {
	name      string
	flat, cum float64
}

// profileResult is what one profiled run gave: the functions' shares, or why
// there are none.
type profileResult struct {
	shares []fnShare
	err    error
}

// label names a median for people: "iter_pull (Go P1)".
func (r ref) label() string { return r.metric + " (" + r.impl.Label() + ")" }

// valueText is a median with its unit: "70.9 ns/op".
func valueText(rows []report.Row, r ref) string {
	m, ok := median(rows, r)
	if !ok {
		return "not measured"
	}
	return strings.TrimSpace(report.FormatValue(m) + " " + unitOf(rows, r.metric))
}

// addEvidence fills the Evidence of every missed verdict: the medians its
// value comes from, the floors it names with how far above them the value
// sits, and the shares of its profile.
func addEvidence(vs []Verdict, rows []report.Row, profiles map[progRef]profileResult) {
	for i := range vs {
		v := &vs[i]
		if !v.OK || v.Met {
			continue
		}
		v.Evidence = nil
		if v.Ratio() {
			v.Evidence = append(v.Evidence, fmt.Sprintf("%s %s against %s %s",
				v.num.label(), valueText(rows, v.num), v.den.label(), valueText(rows, v.den)))
		}
		for _, e := range []string{floorEvidence(v.Goal, rows), besideEvidence(v.Goal, rows)} {
			if e != "" {
				v.Evidence = append(v.Evidence, e)
			}
		}
		if v.Profile != nil {
			if p, ok := profiles[v.Profile.prog]; ok {
				v.Evidence = append(v.Evidence, profileEvidence(v.Profile, p))
			}
		}
	}
}

// floorEvidence prints the goal's floors, their sum and the part of the
// numerator above them, when they share its unit.
func floorEvidence(g Goal, rows []report.Row) string {
	if len(g.floors) == 0 {
		return ""
	}
	var parts []string
	sum, sumOK := 0.0, true
	unit := unitOf(rows, g.num.metric)
	for _, f := range g.floors {
		term := f.label() + " " + valueText(rows, f.ref)
		if f.times != 1 {
			term = strconv.FormatFloat(f.times, 'g', -1, 64) + " × " + term
		}
		parts = append(parts, term)
		m, ok := median(rows, f.ref)
		sumOK = sumOK && ok && unitOf(rows, f.metric) == unit
		sum += f.times * m
	}
	out := "floor: " + strings.Join(parts, " + ")
	num, ok := median(rows, g.num)
	if !sumOK || !ok {
		return out
	}
	if len(g.floors) > 1 || g.floors[0].times != 1 {
		out += " = " + report.FormatValue(sum) + " " + unit
	}
	if num < sum {
		// The floor's median came out above the value's: say so plainly.
		return out + fmt.Sprintf("; %s is %s %s below it",
			g.num.label(), report.FormatValue(sum-num), unit)
	}
	return out + fmt.Sprintf("; %s is %s %s above it (%.0f%% of its value)",
		g.num.label(), report.FormatValue(num-sum), unit, 100*(num-sum)/num)
}

// besideEvidence prints the medians and ratios a goal names for context;
// a ratio shows its two medians, then its value when both were measured.
func besideEvidence(g Goal, rows []report.Row) string {
	var parts []string
	for _, b := range g.beside {
		text := b.num.label() + " " + valueText(rows, b.num)
		if b.den != (ref{}) {
			text += " / " + b.den.label() + " " + valueText(rows, b.den)
			num, nok := median(rows, b.num)
			den, dok := median(rows, b.den)
			if nok && dok && den != 0 {
				text += " = " + report.FormatRatio(num/den, true)
			}
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, ", ")
}

// profileEvidence prints the shares of the functions spec names and the
// three busiest functions of the profile.
func profileEvidence(spec *ProfileSpec, p profileResult) string {
	head := "CPU profile of " + spec.prog.workload + " (" + spec.prog.impl.Label() + ") taken in this run"
	if p.err != nil {
		return head + ": none (" + firstLine(p.err.Error()) + ")"
	}
	var named []string
	for _, fn := range spec.Functions {
		flat, cum := shareOf(p.shares, fn)
		if strings.HasSuffix(fn, "*") {
			named = append(named, fmt.Sprintf("%s %.1f%% flat (together)", fn, flat))
			continue
		}
		named = append(named, fmt.Sprintf("%s %.1f%% cumulative, %.1f%% flat", fn, cum, flat))
	}
	top := slices.SortedFunc(slices.Values(p.shares), func(a, b fnShare) int { return cmp.Compare(b.flat, a.flat) })
	var busiest []string
	for _, s := range top[:min(3, len(top))] {
		busiest = append(busiest, fmt.Sprintf("%s %.1f%%", s.name, s.flat))
	}
	return head + ": " + strings.Join(named, ", ") + "; busiest (flat): " + strings.Join(busiest, ", ")
}

// shareOf returns fn's flat and cumulative share; a name ending in "*" is a
// prefix: the flat shares of its functions add up, the cumulative one is
// the largest (a caller's includes its callees').
func shareOf(shares []fnShare, fn string) (flat, cum float64) {
	prefix, isPrefix := strings.CutSuffix(fn, "*")
	for _, s := range shares {
		if s.name == fn || (isPrefix && strings.HasPrefix(s.name, prefix)) {
			flat += s.flat
			cum = max(cum, s.cum)
		}
	}
	return flat, cum
}

// parsePprofTop reads `go tool pprof -top` output: after the header line
// "flat  flat%   sum%        cum   cum%", one function per line (an
// inlined one marked " (inline)", which is dropped from its name).
func parsePprofTop(out []byte) ([]fnShare, error) {
	var shares []fnShare
	header := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if !header {
			header = len(f) == 5 && f[0] == "flat" && f[4] == "cum%"
			continue
		}
		if len(f) < 6 {
			continue
		}
		flat, err1 := strconv.ParseFloat(strings.TrimSuffix(f[1], "%"), 64)
		cum, err2 := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: pprof line %q", ErrBadOutput, sc.Text())
		}
		name := strings.TrimSuffix(strings.Join(f[5:], " "), " (inline)")
		shares = append(shares, fnShare{name: name, flat: flat, cum: cum})
	}
	if !header {
		return nil, fmt.Errorf("%w: no pprof -top table", ErrBadOutput)
	}
	if len(shares) == 0 {
		return nil, fmt.Errorf("%w: the profile has no samples", ErrBadOutput)
	}
	return shares, nil
}

// A profiled run does profileLonger times the work of a measured one (its
// BENCH_SCALE, its load generator's duration; wrk runs at least
// profileLonger seconds), a profiled test binary runs
// each benchmark for profileBenchtime.
const (
	profileLonger    = 8
	profileBenchtime = "3s"
)

// profiler runs the profiled programs of missed goals.
type profiler struct {
	r     *runner
	dir   string // where the profiles go
	ws    []Workload
	progs map[progKey]built
	logf  func(format string, args ...any)
}

// profileMissed runs, once each, the geventgo programs whose profiles the
// missed goals of vs ask for, and reads the profiles.
func (p *profiler) profileMissed(ctx context.Context, vs []Verdict) map[progRef]profileResult {
	out := map[progRef]profileResult{}
	for _, v := range vs {
		if !v.OK || v.Met || v.Profile == nil {
			continue
		}
		key := v.Profile.prog
		if _, done := out[key]; done {
			continue
		}
		p.logf("profiling %s for the missed goal %q", key, v.Goal.Goal)
		shares, err := p.profile(ctx, key)
		out[key] = profileResult{shares: shares, err: err}
	}
	return out
}

// profile runs key's program once with a CPU profile and reads its table.
func (p *profiler) profile(ctx context.Context, key progRef) ([]fnShare, error) {
	w, ok := workloadNamed(p.ws, key.workload)
	if !ok {
		return nil, fmt.Errorf("%s did not run in this sitting", key.workload)
	}
	b := ready(w, key.impl, p.progs)
	if b.status != report.OK {
		return nil, fmt.Errorf("%s not built: %s", key, b.note)
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(p.dir, key.workload+"-"+string(key.impl)+".pprof")
	j := jobFor(w, key.impl, p.progs)
	if w.GoTest != "" {
		j.argv = append(j.argv, "-test.cpuprofile="+path, "-test.benchtime="+profileBenchtime)
	} else {
		j.env = append(j.env, benchio.ProfileEnv+"="+path)
	}
	// A measured run is too short for a profile at 100 samples a second:
	// the profiled one does more of the same work.
	r := *p.r
	r.scale *= profileLonger
	r.duration *= profileLonger
	r.timeout *= profileLonger
	// wrk's runs are long already: at least profileLonger seconds.
	r.httpDuration = max(r.httpDuration, profileLonger*time.Second)
	if err := removeProfiles(path); err != nil {
		return nil, err
	}
	if _, err := r.run(ctx, j); err != nil {
		return nil, err
	}
	files, err := profileFiles(path)
	if err != nil {
		return nil, err
	}
	args := append([]string{"tool", "pprof", "-top", "-nodecount=1000", b.argv[0]}, files...)
	cmd := exec.CommandContext(ctx, "go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	top, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool pprof: %w: %s", err, lastLine(stderr.String()))
	}
	return parsePprofTop(top)
}

// profileFiles returns the profile a run wrote to path: path itself, or the files
// benchio.ProfileWindow wrote for each measured window (path.0, path.1, ...), which pprof reads
// together as one.
func profileFiles(path string) ([]string, error) {
	if _, err := os.Stat(path); err == nil {
		return []string{path}, nil
	}
	var files []string
	for i := 0; ; i++ {
		f := path + "." + strconv.Itoa(i)
		if _, err := os.Stat(f); err != nil {
			break
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: the profiled run wrote no profile to %s", ErrBadOutput, path)
	}
	return files, nil
}

// removeProfiles removes what an earlier sitting's run left at path (a whole profile or its
// windows), so that only this run's are read.
func removeProfiles(path string) error {
	old, err := filepath.Glob(path + ".*")
	if err != nil {
		return err
	}
	for _, f := range append(old, path) {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
