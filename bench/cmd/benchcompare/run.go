package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

// side is one of the two builds compared.
type side struct {
	label string // "old" or "new"
	desc  string // the revision it is, for people
	tree  string // its source tree
	bin   string // where its binaries go
	out   bytes.Buffer
}

func run(ctx context.Context, o options, w io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	root, err := findRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "benchcompare-")
	if err != nil {
		return err
	}
	g := &git{root: root}
	defer func() {
		g.removeWorktrees()
		if o.keep {
			logf("kept %s", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()
	sides, err := prepare(ctx, g, o, tmp)
	if err != nil {
		return err
	}
	loadgen := filepath.Join(tmp, "loadgen")
	if err := goCmd(ctx, root, "build", "-o", loadgen, "./bench/loadgen"); err != nil {
		return err
	}
	r := &runner{o: o, loadgen: loadgen}
	for i := range o.count {
		for k := range sides {
			s := sides[(k+i)%len(sides)]
			logf("round %d/%d: %s (%s)", i+1, o.count, s.label, s.desc)
			if err := r.round(ctx, s); err != nil {
				return fmt.Errorf("%s (%s): %w", s.label, s.desc, err)
			}
		}
	}
	return compare(ctx, root, tmp, sides, w)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchcompare: "+format+"\n", args...)
}

// prepare checks out the revisions and builds both sides.
func prepare(ctx context.Context, g *git, o options, tmp string) ([]*side, error) {
	old, err := g.side(ctx, "old", o.old, filepath.Join(tmp, "old"))
	if err != nil {
		return nil, err
	}
	cur := &side{label: "new", desc: "the working tree", tree: g.root, bin: filepath.Join(tmp, "new", "bin")}
	if o.new != "" {
		if cur, err = g.side(ctx, "new", o.new, filepath.Join(tmp, "new")); err != nil {
			return nil, err
		}
	}
	sides := []*side{old, cur}
	for _, s := range sides {
		logf("building %s (%s)", s.label, s.desc)
		if err := build(ctx, s, o); err != nil {
			return nil, fmt.Errorf("building %s (%s): %w", s.label, s.desc, err)
		}
	}
	return sides, nil
}

// git runs git in the repository and remembers the worktrees it added.
type git struct {
	root      string
	worktrees []string
}

func (g *git) output(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// side checks rev out into dir (a detached worktree) with the vendored
// libev of the repository linked in (it is fetched, not tracked).
func (g *git) side(ctx context.Context, label, rev, dir string) (*side, error) {
	hash, err := g.output(ctx, "rev-parse", "--short", rev+"^{commit}")
	if err != nil {
		return nil, err
	}
	tree := filepath.Join(dir, "src")
	if _, err := g.output(ctx, "worktree", "add", "--detach", "--quiet", tree, hash); err != nil {
		return nil, err
	}
	g.worktrees = append(g.worktrees, tree)
	libev := filepath.Join(g.root, "libev", "libev-4.33")
	if _, err := os.Stat(filepath.Join(libev, "ev.c")); err != nil {
		return nil, fmt.Errorf("%s missing: run make libev", libev)
	}
	if err := os.Symlink(libev, filepath.Join(tree, "libev", "libev-4.33")); err != nil && !os.IsExist(err) {
		return nil, err
	}
	return &side{label: label, desc: rev + " = " + hash, tree: tree, bin: filepath.Join(dir, "bin")}, nil
}

// removeWorktrees removes the worktrees side added, with their metadata.
func (g *git) removeWorktrees() {
	for _, t := range g.worktrees {
		if _, err := g.output(context.Background(), "worktree", "remove", "--force", t); err != nil {
			logf("%v", err)
		}
	}
	g.worktrees = nil
}

func goCmd(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// testBinary is where a package's test binary goes: ./scheduler/ ->
// scheduler.test, ./internal/x -> internal_x.test.
func testBinary(bin, pkg string) string {
	name := strings.ReplaceAll(strings.Trim(strings.TrimPrefix(pkg, "./"), "/"), "/", "_")
	if name == "" || name == "." {
		name = "root"
	}
	return filepath.Join(bin, name+".test")
}

// build compiles the side's test binaries and programs.
func build(ctx context.Context, s *side, o options) error {
	for _, pkg := range o.pkgs {
		out := testBinary(s.bin, pkg)
		if err := goCmd(ctx, s.tree, "test", "-c", "-o", out, pkg); err != nil {
			return err
		}
		if _, err := os.Stat(out); err != nil {
			return fmt.Errorf("%s has no tests to build a test binary from", pkg)
		}
	}
	for _, p := range o.programs {
		if err := goCmd(ctx, s.tree, "build", "-o", filepath.Join(s.bin, "prog", p), "./bench/geventgo/"+p); err != nil {
			return err
		}
	}
	if len(o.http) > 0 {
		return goCmd(ctx, s.tree, "build", "-o", filepath.Join(s.bin, "prog", httpProgram), "./ghttp/internal/benchprog/httpserver")
	}
	return nil
}

// httpProgram is the HTTP server program's binary, run once per -http value.
const httpProgram = "httpserver"

// runner runs one round of a side.
type runner struct {
	o       options
	loadgen string
}

// round runs every selected benchmark of s once and appends benchstat's
// input lines to s.out.
func (r *runner) round(ctx context.Context, s *side) error {
	for _, pkg := range r.o.pkgs {
		cmd := exec.CommandContext(ctx, testBinary(s.bin, pkg), "-test.run=^$", "-test.bench="+r.o.bench,
			"-test.count=1", "-test.benchtime="+r.o.benchtime)
		cmd.Dir = filepath.Join(s.tree, pkg)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &s.out, &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s benchmarks: %w: %s", pkg, err, lastLine(stderr.String()))
		}
	}
	if len(r.o.programs) > 0 || len(r.o.http) > 0 {
		s.out.WriteString("pkg: github.com/geventgo/geventgo/bench/geventgo\n")
	}
	for _, p := range r.o.programs {
		res, err := r.program(ctx, filepath.Join(s.bin, "prog", p), nil, p, false)
		if err != nil {
			return fmt.Errorf("program %s: %w", p, err)
		}
		s.out.WriteString(benchLines(p, res))
	}
	for _, impl := range r.o.http {
		name := "http_" + impl
		res, err := r.program(ctx, filepath.Join(s.bin, "prog", httpProgram), []string{"-impl", impl, "-size", "0"}, name, true)
		if err != nil {
			return fmt.Errorf("HTTP server -impl %s: %w", impl, err)
		}
		s.out.WriteString(benchLines(name, res))
	}
	return nil
}

// benchLines writes a program's results as benchmark lines:
// "BenchmarkProgram/echo/echo_cpu 1 9700 ns/req", or
// "BenchmarkProgram/channel 1 310 ns/op" for a result named as its program.
func benchLines(program string, res []benchio.Result) string {
	var b strings.Builder
	for _, r := range res {
		name := "Program/" + program
		if r.Workload != program {
			name += "/" + r.Workload
		}
		fmt.Fprintf(&b, "Benchmark%s 1 %s %s\n", name, strconv.FormatFloat(r.Value, 'g', -1, 64), r.Unit)
	}
	return b.String()
}

// program runs one program with args: a server (its first line is "PORT n")
// under the load generator, which names its results after name and speaks
// HTTP when http is set; anything else to its end.
func (r *runner) program(ctx context.Context, path string, args []string, name string, http bool) ([]benchio.Result, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "BENCH_SCALE="+strconv.FormatFloat(r.o.scale, 'g', -1, 64))
	cmd.WaitDelay = 2 * time.Second
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	rd := bufio.NewReader(pipe)
	first, _ := rd.ReadString('\n')
	if port, ok := strings.CutPrefix(strings.TrimSpace(first), "PORT "); ok {
		return r.serve(ctx, cmd, rd, port, name, http)
	}
	rest, _ := io.ReadAll(rd)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%w: %s", err, lastLine(stderr.String()))
	}
	return parseResults(append([]byte(first), rest...))
}

// serve drives a server with the load generator, then stops it.
func (r *runner) serve(ctx context.Context, srv *exec.Cmd, rd io.Reader, port, name string, http bool) ([]benchio.Result, error) {
	go io.Copy(io.Discard, rd)
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	args := []string{"-addr", "127.0.0.1:" + port, "-name", name,
		"-pid", strconv.Itoa(srv.Process.Pid), "-duration", r.o.duration.String()}
	if http {
		// Keep-alive GETs of / on the load generator's connections, as wrk sends.
		args = append(args, "-http", "/")
	}
	cmd := exec.CommandContext(ctx, r.loadgen, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("load generator: %w: %s", err, lastLine(stderr.String()))
	}
	return parseResults(stdout.Bytes())
}

// parseResults reads the JSON result lines of a program's output.
func parseResults(out []byte) ([]benchio.Result, error) {
	var res []benchio.Result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var r benchio.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("result line %q: %w", line, err)
		}
		if r.Workload == "" || r.Unit == "" || strings.ContainsAny(r.Workload+r.Unit, " \t") {
			return nil, fmt.Errorf("result line %q: no workload or unit, or one with spaces", line)
		}
		res = append(res, r)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no result lines in %q", lastLine(string(out)))
	}
	return res, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// compare writes each side's lines to a file and prints benchstat's
// comparison of them.
func compare(ctx context.Context, root, tmp string, sides []*side, w io.Writer) error {
	var args []string
	for _, s := range sides {
		path := filepath.Join(tmp, s.label+".txt")
		if err := os.WriteFile(path, s.out.Bytes(), 0o644); err != nil {
			return err
		}
		args = append(args, s.label+"="+path)
	}
	fmt.Fprintf(w, "old: %s\nnew: %s\n\n", sides[0].desc, sides[1].desc)
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", Benchstat}, args...)...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("benchstat: %w", err)
	}
	return nil
}
