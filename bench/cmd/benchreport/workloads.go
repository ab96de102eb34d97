package main

import (
	"strconv"

	"github.com/geventgo/geventgo/bench/internal/report"
)

// Workload is one piece of work written up to four ways: bench/c/P.c,
// bench/py/P.py, bench/go/P/ and bench/geventgo/P/ for program P.
type Workload struct {
	Name    string // unique name; also the program's unless Program is set
	Program string // program base name when it differs from Name
	// Programs overrides Program for single implementations.
	Programs map[report.Impl]string
	Metrics  []report.Metric // what its programs report, one table row each
	Impls    []report.Impl   // the implementations that apply; others are n/a
	Server   bool            // the program is an echo server driven by bench/loadgen
	// Load are extra load-generator arguments for a Server workload, e.g.
	// {"-http", "/"} for an HTTP server.
	Load []string
	// Wrk drives a Server workload with wrk (Debian's HTTP load generator)
	// instead of bench/loadgen: GETs of / over 50 keep-alive connections
	// from one wrk thread, after a warm-up run (wrk.go).
	Wrk bool
	// Against makes the workload's programs clients: each run starts
	// geventgo's build of this server program (with AgainstArgs), waits for
	// its PORT line and passes "-url http://127.0.0.1:PORT/" to the client,
	// whose own results are the metrics.
	Against     string
	AgainstArgs []string
	// Syscalls runs the server under perf stat, counting its system calls
	// over the load generator's window (a Server workload's metrics are then
	// syscallMetrics).
	Syscalls bool
	// Args are extra arguments for single implementations' programs.
	Args  map[report.Impl][]string
	Quick bool // part of -quick
	// MaxReps caps the runs per implementation for workloads whose result
	// barely varies and whose runs are slow (memory); 0 means no cap.
	MaxReps int
	// GoTest, when set, is the package (e.g. "./cev") whose test binary is
	// the geventgo program: it runs the benchmarks named in BenchMetrics
	// (benchmark name -> metric name) and their ns/op are the metrics. It is
	// for code paths only a package's own tests can reach (unexported).
	GoTest       string
	BenchMetrics map[string]string
}

// elsewhere places the programs that do not live in bench/<impl>/ (a
// package directory, or a Python script), relative to the repository root:
// the HTTP bench's server, client and gevent.pywsgi server stay beside
// ghttp, the package they exercise, and serve every implementation.
var elsewhere = map[string]string{
	"httpserver":    "ghttp/internal/benchprog/httpserver",
	"httpclient":    "ghttp/internal/benchprog/httpclient",
	"pywsgi_server": "ghttp/internal/benchprog/pywsgi_server.py",
}

// goPackage is the package directory of Go program name, bench/<sub>/name
// unless it lives elsewhere (sub is "go" or "geventgo").
func goPackage(sub, name string) string {
	if p, ok := elsewhere[name]; ok {
		return p
	}
	return "bench/" + sub + "/" + name
}

// pyScript is the Python script of program name.
func pyScript(name string) string {
	if p, ok := elsewhere[name]; ok {
		return p
	}
	return "bench/py/" + name + ".py"
}

// reps is how often each implementation of w runs when reps were asked for.
func (w Workload) reps(asked int) int {
	if w.MaxReps > 0 && asked > w.MaxReps {
		return w.MaxReps
	}
	return asked
}

// ProgramName is the base name of the workload's program for impl.
func (w Workload) ProgramName(impl report.Impl) string {
	if p, ok := w.Programs[impl]; ok {
		return p
	}
	if w.Program != "" {
		return w.Program
	}
	return w.Name
}

// Applies reports whether impl is one of the workload's implementations.
func (w Workload) Applies(impl report.Impl) bool {
	for _, i := range w.Impls {
		if i == impl {
			return true
		}
	}
	return false
}

var (
	all      = []report.Impl{report.CLibev, report.GeventGo, report.Gevent, report.Go, report.GoP2}
	noC      = []report.Impl{report.GeventGo, report.Gevent, report.Go, report.GoP2}
	noCNoGo  = []report.Impl{report.GeventGo, report.Gevent}
	onlyGo   = []report.Impl{report.Go, report.GoP2}
	nsPerOp  = "ns/op"
	coro2    = "2 coroswitches (iter.Pull round trip)"
	syscalls = "syscalls: read+write+epoll_wait per hop"
	loadgen  = "syscalls; load generator shares the 2 cores"
	kernel   = "the kernel's share: read, write and epoll_wait"
	// twoLoops run the echo server on two event loops sharing its port
	// through SO_REUSEPORT: geventgo's two hubs on two goroutines, C's two
	// ev_loop_new loops on two threads.
	twoLoops     = []report.Impl{report.CLibev, report.GeventGo}
	twoLoopsArgs = map[report.Impl][]string{report.CLibev: {"-loops", "2"}, report.GeventGo: {"-hubs", "2"}}
)

func ns(name, title, bound string) []report.Metric {
	return []report.Metric{{Name: name, Title: title, Unit: nsPerOp, Bound: bound}}
}

// threaded is the C program of a loop workload run with one more thread
// that only sleeps (bench/c/bench.h, bench_args): the kernel then takes a
// reference on the file of every fd a system call uses, as in every Go
// process. Its row is a floor under geventgo's, not a goal.
func threaded(program, what string, quick bool) Workload {
	name := program + "_threaded"
	return Workload{Name: name, Impls: []report.Impl{report.CLibev}, Quick: quick,
		Programs: map[report.Impl]string{report.CLibev: program},
		Args:     map[report.Impl][]string{report.CLibev: {name, "threaded"}},
		Metrics: ns(name, what+" in a process with a second, sleeping thread, as every Go process has",
			"the same system calls, each taking a reference on its file (a shared file table)")}
}

// serverMetrics are the four rows of an echo-style server workload: what
// the load generator measures (throughput, p99) and the server process's
// CPU time per request over the same window, in total and in the kernel.
func serverMetrics(name, what string) []report.Metric {
	return []report.Metric{
		{Name: name + "_rps", Title: what + ", requests per second", Unit: "req/s", Bound: loadgen},
		{Name: name + "_p99", Title: what + ", p99 round trip", Unit: "us", Bound: loadgen},
		{Name: name + "_cpu", Title: what + ", server CPU time (user + system, every thread) per request; does not depend on the cores the load generator takes", Unit: "ns/req", Bound: "the kernel's share (the _cpu_sys row)"},
		{Name: name + "_cpu_sys", Title: what + ", the system (kernel) part of the server CPU per request, split by /proc's tick counts", Unit: "ns/req", Bound: kernel},
	}
}

// workloads is the suite, in table order: loop level first, then greenlets,
// then gevent's primitives, then the network. Plain Go runs twice, at
// GOMAXPROCS=1 (the Go P1 column, the baseline goals compare with: a hub
// uses one core) and 2 (Go P2).
var workloads = []Workload{
	{Name: "iter_pull", Impls: onlyGo, Quick: true,
		Metrics: append(ns("iter_pull", "bare iter.Pull next/yield round trip (the floor of a switch)", "2 coroswitches"),
			append(ns("iter_pull_framed", "the same with one function call between each side and next or yield (the floor of a switch API on iter.Pull)", "2 coroswitches + 2 mispredicted returns"),
				ns("iter_pull_cold", "the bare round trip into each of 10k parked coroutines in turn (the floor of waking many waiters)", "2 coroswitches + the cache misses of a parked coroutine's goroutine and stack")...)...)},
	{Name: "dispatch_lookup", Impls: onlyGo,
		Metrics: []report.Metric{
			{Name: "lookup_slot", Title: "finding a queued event's Go watcher through cev's slot table (slice index + generation)", Unit: nsPerOp, Bound: "one bounds-checked load"},
			{Name: "lookup_gopointer", Title: "the same through go-pointer's Restore (the alternative to the slot table)", Unit: nsPerOp, Bound: "a global mutex + map lookup"},
		}},
	{Name: "dispatch", Impls: []report.Impl{report.GeventGo}, GoTest: "./cev", Quick: true,
		BenchMetrics: map[string]string{"BenchmarkCgoCall": "cgo_call", "BenchmarkDispatchSlotTable": "dispatch_slot", "BenchmarkDispatchGoPointer": "dispatch_gopointer", "BenchmarkYieldBeforeWait": "wait_check"},
		Metrics: []report.Metric{
			{Name: "cgo_call", Title: "the cheapest cgo call into libev (ev_iteration; cev/bench_test.go): the floor under every call into the loop", Unit: nsPerOp, Bound: "Go to C and back"},
			{Name: "dispatch_slot", Title: "cev's dispatch path: a queued event's slot resolved to its watcher and the Go callback called (cev/bench_test.go)", Unit: nsPerOp, Bound: "slice index + generation check + callback"},
			{Name: "dispatch_gopointer", Title: "the same dispatch with the watcher found through go-pointer's Restore", Unit: nsPerOp, Bound: "a global mutex + map lookup + callback"},
			{Name: "wait_check", Title: "Run's look, before a poll that would wait, for runnable goroutines to let run first (runtime/metrics; cev/bench_test.go)", Unit: nsPerOp, Bound: "a runtime/metrics read under the scheduler's lock"},
		}},
	{Name: "greenlet_switch", Impls: noC, Quick: true,
		Metrics: ns("greenlet_switch", "raw greenlet switch round trip (Go: unbuffered channel ping-pong)", coro2)},
	{Name: "hub_roundtrip", Impls: noC, Quick: true,
		Metrics: ns("hub_roundtrip", "one greenlet sleep(0) through the hub (Go: two goroutines alternating with runtime.Gosched, per Gosched)", "callback + 2 coroswitches (the loop runs between batches of callbacks, not per yield)")},
	{Name: "sleep0_rr", Impls: noC, Quick: true,
		Metrics: ns("sleep0_rr", "sleep(0) round-robin over 1000 greenlets, per sleep", "callback + 2 coroswitches")},
	{Name: "spawn_join", Impls: noC, Quick: true,
		Metrics: ns("spawn_join", "spawn + join of a trivial greenlet, batches of 1000", "allocation + coroutine creation")},
	{Name: "local", Impls: []report.Impl{report.GeventGo}, GoTest: "./scheduler",
		BenchMetrics: map[string]string{"BenchmarkSpawnJoin": "spawn_join_plain", "BenchmarkSpawnJoinLocal": "spawn_join_local", "BenchmarkLocalSetGet": "local_setget"},
		Metrics: []report.Metric{
			{Name: "spawn_join_plain", Title: "spawn + join of one trivial greenlet on a hub (scheduler/bench_test.go), the baseline of the Local rows", Unit: nsPerOp, Bound: "allocation + coroutine creation"},
			{Name: "spawn_join_local", Title: "the same greenlet setting and reading a scheduler.Local (gevent.local) once (scheduler/local_test.go): above the baseline is a local's cost per greenlet", Unit: nsPerOp, Bound: "the greenlet's store of values, made on its first Set and dropped at its end"},
			{Name: "local_setget", Title: "one Set and one Get of a greenlet's own Local value, once the greenlet has it", Unit: nsPerOp, Bound: "a lookup in the greenlet's store"},
		}},
	{Name: "run_callback", Impls: noCNoGo, Quick: true,
		Metrics: ns("run_callback", "loop.run_callback, per callback", "queue ops (chunked FIFO)")},
	{Name: "timer_chain", Impls: all, Quick: true,
		Metrics: ns("timer_chain", "zero-delay timer re-armed from its callback", "libev + epoll_wait(0) + cgo call per iteration")},
	threaded("timer_chain", "the C timer chain", true),
	{Name: "timer_wake", Impls: []report.Impl{report.CLibev, report.GeventGo, report.Gevent},
		Programs: map[report.Impl]string{report.CLibev: "timer_chain"},
		Args:     map[report.Impl][]string{report.CLibev: {"timer_wake"}},
		Metrics:  ns("timer_wake", "a greenlet woken by a zero-delay timer via hub.wait (C: the timer chain)", "timer chain + 2 coroswitches")},
	{Name: "timers_spread", Impls: all,
		Metrics: ns("timers_spread", "100k one-shot timers spread over 10 ms, per timer", "the 10 ms spread itself: 100 ns/timer")},
	{Name: "io_pingpong", Impls: all, Quick: true,
		Metrics: ns("io_pingpong", "1-byte ping-pong over a socketpair, per round trip", syscalls)},
	threaded("io_pingpong", "the C io ping-pong", true),
	{Name: "pipe_pingpong", Impls: []report.Impl{report.CLibev, report.GeventGo},
		Metrics: ns("pipe_pingpong", "1-byte ping-pong between two greenlets over two cooperative pipes (fileobject.Pipe), per round trip (C: two io watchers on two pipes)", "syscalls: read+write per hop; 2 coroswitches per hop")},
	threaded("pipe_pingpong", "the C pipe ping-pong", false),
	{Name: "socketpair", Impls: []report.Impl{report.GeventGo}, GoTest: "./socket",
		BenchMetrics: map[string]string{"BenchmarkSocketpairPingPong": "socketpair_pingpong"},
		Metrics:      ns("socketpair_pingpong", "64-byte ping-pong between two greenlets of one hub over a socketpair (socket/bench_test.go), per round trip", "syscalls: read+write per hop; 2 coroswitches per hop")},
	{Name: "read_eagain", Impls: []report.Impl{report.GeventGo}, GoTest: "./fileobject",
		BenchMetrics: map[string]string{"BenchmarkReadEAGAIN": "read_eagain"},
		Metrics:      ns("read_eagain", "read(2) of an empty non-blocking pipe (fileobject/bench_test.go): gevent's read before a wait when nothing has arrived, which a C callback that reads only when ready does not make", "one system call that finds nothing")},
	{Name: "async_send", Impls: all,
		Metrics: ns("async_send", "ev_async_send from another thread/goroutine + ack, per round trip", "cross-thread wake (futex/eventfd)")},
	{Name: "idle", Impls: []report.Impl{report.CLibev, report.GeventGo, report.Gevent},
		Metrics: ns("idle", "idle watcher activations", "epoll_wait(0) per loop iteration")},
	threaded("idle", "the C idle activations", false),
	{Name: "event_wake", Impls: noC,
		Metrics: ns("event_wake", "Event.set waking 10k waiters, per waiter (Go: close of a channel 10k goroutines wait on)", "1 coroswitch pair per waiter")},
	{Name: "queue_prodcons", Impls: noC, Quick: true,
		Metrics: ns("queue_prodcons", "Queue(maxsize=128) producer/consumer, per item (Go: buffered chan)", "queue ops; switch when full/empty")},
	{Name: "channel", Impls: noC, Quick: true,
		Metrics: ns("channel", "Channel rendezvous, per item (Go: unbuffered chan)", "2 coroswitches per item")},
	{Name: "semaphore", Impls: noC,
		Metrics: ns("semaphore", "Semaphore contended by 2 greenlets, sleep(0) inside, per acquire", "sleep(0) + wake of the waiter")},
	{Name: "pool_map", Impls: noC,
		Metrics: ns("pool_map", "Pool(100).map of a trivial function over 100k items, per item", "a greenlet per item")},
	{Name: "threadpool", Impls: noC,
		Metrics: append(ns("threadpool_apply", "threadpool apply of a trivial function from a greenlet, one call at a time, 4 workers (Go: a call to one of 4 worker goroutines over a channel, the answer on another)", "a wake of a worker and a wake of the hub's loop per call"),
			ns("threadpool_spawn", "threadpool spawn of 1000 trivial calls at once on 4 workers, then each result collected, per call (Go: the same over channels)", "the queue's lock and the results' posts to the hub")...)},
	{Name: "mem_greenlet", Impls: noC,
		Metrics: []report.Metric{{Name: "mem_greenlet", Title: "RSS per suspended greenlet (100k; Go: blocked goroutine)", Unit: "B/greenlet", Bound: "coroutine stack (2 KiB min goroutine stack)"}}},
	{Name: "socket_pingpong", Impls: []report.Impl{report.GeventGo}, GoTest: "./socket",
		BenchMetrics: map[string]string{"BenchmarkPingPong/Net": "pingpong_net", "BenchmarkPingPong/Shared": "pingpong_shared", "BenchmarkPingPong/Greenlet": "pingpong_greenlet"},
		Metrics: []report.Metric{
			{Name: "pingpong_net", Title: "64-byte TCP loopback round trip from a goroutine on package net's net.Conn (socket/bench_test.go; the baseline)", Unit: nsPerOp, Bound: "syscalls + netpoller wake"},
			{Name: "pingpong_shared", Title: "the same from a goroutine on a shared (goroutine-safe) socket whose hub runs on another goroutine", Unit: nsPerOp, Bound: "syscalls + netpoller wake (Go's poller, as net.Conn)"},
			{Name: "pingpong_greenlet", Title: "the same from the main greenlet of a hub on a hub-affine socket", Unit: nsPerOp, Bound: "syscalls + ev_run"},
		}},
	{Name: "echo", Impls: all, Server: true, Quick: true,
		Metrics: serverMetrics("echo", "echo server, 50 connections, 64-byte messages (geventgo: one hub)")},
	// Two hubs beside C's two loops on two threads: whether a second loop
	// costs CPU per request on this machine whatever runs it.
	{Name: "echo_2hubs", Program: "echo", Impls: twoLoops, Server: true, Quick: true,
		Args:    twoLoopsArgs,
		Metrics: serverMetrics("echo_2hubs", "echo server on two hubs, one goroutine each, sharing the port with SO_REUSEPORT (C libev: two loops, one thread each)")},
	{Name: "echo_syscalls", Program: "echo", Impls: all, Server: true, Syscalls: true, Quick: true, MaxReps: 1,
		Metrics: syscallMetrics("echo_syscalls", "echo server")},
	{Name: "echo_2hubs_syscalls", Program: "echo", Impls: twoLoops, Server: true, Syscalls: true, Quick: true, MaxReps: 1,
		Args:    twoLoopsArgs,
		Metrics: syscallMetrics("echo_2hubs_syscalls", "echo server on two hubs (C libev: two loops)")},
	withQuick(httpServer("http_hello", 0)),
	withQuick(httpShared("http_hello_shared", 0)),
	httpServer("http_16k", 16384),
	httpShared("http_16k_shared", 16384),
	{Name: "http_client", Program: "httpclient", Impls: []report.Impl{report.GeventGo, report.Go, report.GoP2}, Quick: true,
		Against: "httpserver", AgainstArgs: []string{"-impl", "ghttp"},
		Args: map[report.Impl][]string{report.GeventGo: {"-impl", "ghttp"}, report.Go: {"-impl", "nethttp"}, report.GoP2: {"-impl", "nethttp"}},
		Metrics: []report.Metric{
			{Name: "http_client_rps", Title: "HTTP client: 10k GETs over keep-alive connections from 100 workers against a local ghttp server, hello world (geventgo: ghttp.Transport in greenlets of one hub; Go: net/http's Transport on goroutines)", Unit: "req/s", Bound: "the server shares the 2 cores"},
			{Name: "http_client_cpu", Title: "the same client's CPU time (user + system, getrusage) per request", Unit: "ns/req", Bound: "a write and a read per request, and the poller's waits"},
		}},
}

// httpBody names a response size in the HTTP rows' titles.
func httpBody(size int) string {
	if size == 0 {
		return "hello world (a 13-byte body)"
	}
	return strconv.Itoa(size/1024) + " KiB body"
}

// httpServer is an HTTP server workload under wrk, answering size bytes
// ("Hello, World!" for 0): ghttp on one hub for geventgo, gevent.pywsgi for
// gevent, net/http for plain Go.
func httpServer(name string, size int) Workload {
	sz := strconv.Itoa(size)
	return Workload{Name: name, Program: "httpserver", Programs: map[report.Impl]string{report.Gevent: "pywsgi_server"},
		Impls: noC, Server: true, Wrk: true,
		Args: map[report.Impl][]string{
			report.GeventGo: {"-impl", "ghttp", "-size", sz}, report.Gevent: {sz},
			report.Go: {"-impl", "nethttp", "-size", sz}, report.GoP2: {"-impl", "nethttp", "-size", sz},
		},
		Metrics: serverMetrics(name, "HTTP server, "+httpBody(size)+", wrk's keep-alive GETs on 50 connections (geventgo: ghttp on one hub; gevent: gevent.pywsgi; Go: net/http)")}
}

// httpShared is net/http's Server on goroutines serving a hub's shared
// (goroutine-safe) listener and connections: every socket call is handed to
// the hub.
func httpShared(name string, size int) Workload {
	return Workload{Name: name, Program: "httpserver", Impls: []report.Impl{report.GeventGo}, Server: true, Wrk: true,
		Args:    map[report.Impl][]string{report.GeventGo: {"-impl", "shared", "-size", strconv.Itoa(size)}},
		Metrics: serverMetrics(name, "HTTP server, "+httpBody(size)+", net/http's Server on goroutines over a hub's shared sockets (every socket call handed to the hub), wrk as above")}
}

func withQuick(w Workload) Workload {
	w.Quick = true
	return w
}
