package main

import "github.com/geventgo/geventgo/bench/internal/report"

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
	all      = []report.Impl{report.CLibev, report.GeventGo, report.Gevent, report.Go}
	noC      = []report.Impl{report.GeventGo, report.Gevent, report.Go}
	noCNoGo  = []report.Impl{report.GeventGo, report.Gevent}
	onlyGo   = []report.Impl{report.Go}
	nsPerOp  = "ns/op"
	coro2    = "2 coroswitches (iter.Pull round trip)"
	syscalls = "syscalls: read+write+epoll_wait per hop"
)

func ns(name, title, bound string) []report.Metric {
	return []report.Metric{{Name: name, Title: title, Unit: nsPerOp, Bound: bound}}
}

// workloads is the suite, in table order: loop level first, then greenlets,
// then gevent's primitives, then the network.
var workloads = []Workload{
	{Name: "iter_pull", Impls: onlyGo,
		Metrics: ns("iter_pull", "bare iter.Pull next/yield round trip (the floor of a switch)", "2 coroswitches")},
	{Name: "dispatch_lookup", Impls: onlyGo,
		Metrics: []report.Metric{
			{Name: "lookup_slot", Title: "finding a queued event's Go watcher through cev's slot table (slice index + generation)", Unit: nsPerOp, Bound: "one bounds-checked load"},
			{Name: "lookup_gopointer", Title: "the same through go-pointer's Restore (the alternative the design card names)", Unit: nsPerOp, Bound: "a global mutex + map lookup"},
		}},
	{Name: "dispatch", Impls: []report.Impl{report.GeventGo}, GoTest: "./cev",
		BenchMetrics: map[string]string{"BenchmarkDispatchSlotTable": "dispatch_slot", "BenchmarkDispatchGoPointer": "dispatch_gopointer"},
		Metrics: []report.Metric{
			{Name: "dispatch_slot", Title: "cev's dispatch path: a queued event's slot resolved to its watcher and the Go callback called (cev/bench_test.go)", Unit: nsPerOp, Bound: "slice index + generation check + callback"},
			{Name: "dispatch_gopointer", Title: "the same dispatch with the watcher found through go-pointer's Restore", Unit: nsPerOp, Bound: "a global mutex + map lookup + callback"},
		}},
	{Name: "greenlet_switch", Impls: noC, Quick: true,
		Metrics: ns("greenlet_switch", "raw greenlet switch round trip (Go: unbuffered channel ping-pong)", coro2)},
	{Name: "hub_roundtrip", Impls: noC,
		Metrics: ns("hub_roundtrip", "one greenlet sleep(0) through the hub (Go: runtime.Gosched)", "callback + 2 coroswitches + ev_run(NOWAIT) cgo call")},
	{Name: "sleep0_rr", Impls: noC, Quick: true,
		Metrics: ns("sleep0_rr", "sleep(0) round-robin over 1000 greenlets, per sleep", "callback + 2 coroswitches")},
	{Name: "spawn_join", Impls: noC, Quick: true,
		Metrics: ns("spawn_join", "spawn + join of a trivial greenlet, batches of 1000", "allocation + coroutine creation")},
	{Name: "run_callback", Impls: noCNoGo,
		Metrics: ns("run_callback", "loop.run_callback, per callback", "queue ops (chunked FIFO)")},
	{Name: "timer_chain", Impls: all, Quick: true,
		Metrics: ns("timer_chain", "zero-delay timer re-armed from its callback", "libev + epoll_wait(0) + cgo call per iteration")},
	{Name: "timer_wake", Impls: []report.Impl{report.CLibev, report.GeventGo, report.Gevent},
		Programs: map[report.Impl]string{report.CLibev: "timer_chain"},
		Args:     map[report.Impl][]string{report.CLibev: {"timer_wake"}},
		Metrics:  ns("timer_wake", "a greenlet woken by a zero-delay timer via hub.wait (C: the timer chain)", "timer chain + 2 coroswitches")},
	{Name: "timers_spread", Impls: all,
		Metrics: ns("timers_spread", "100k one-shot timers spread over 10 ms, per timer", "the 10 ms spread itself: 100 ns/timer")},
	{Name: "io_pingpong", Impls: all, Quick: true,
		Metrics: ns("io_pingpong", "1-byte ping-pong over a socketpair, per round trip", syscalls)},
	{Name: "async_send", Impls: all,
		Metrics: ns("async_send", "ev_async_send from another thread/goroutine + ack, per round trip", "cross-thread wake (futex/eventfd)")},
	{Name: "idle", Impls: []report.Impl{report.CLibev, report.GeventGo, report.Gevent},
		Metrics: ns("idle", "idle watcher activations", "epoll_wait(0) per loop iteration")},
	{Name: "event_wake", Impls: noC,
		Metrics: ns("event_wake", "Event.set waking 10k waiters, per waiter", "1 coroswitch pair per waiter")},
	{Name: "queue_prodcons", Impls: noC, Quick: true,
		Metrics: ns("queue_prodcons", "Queue(maxsize=128) producer/consumer, per item (Go: buffered chan)", "queue ops; switch when full/empty")},
	{Name: "channel", Impls: noC,
		Metrics: ns("channel", "Channel rendezvous, per item (Go: unbuffered chan)", "2 coroswitches per item")},
	{Name: "semaphore", Impls: noC,
		Metrics: ns("semaphore", "Semaphore contended by 2 greenlets, sleep(0) inside, per acquire", "sleep(0) + wake of the waiter")},
	{Name: "pool_map", Impls: noC,
		Metrics: ns("pool_map", "Pool(100).map of a trivial function over 100k items, per item", "a greenlet per item")},
	{Name: "mem_greenlet", Impls: noC,
		Metrics: []report.Metric{{Name: "mem_greenlet", Title: "RSS per suspended greenlet (100k; Go: blocked goroutine)", Unit: "B/greenlet", Bound: "coroutine stack (2 KiB min goroutine stack)"}}},
	{Name: "echo", Impls: all, Server: true, Quick: true,
		Args: map[report.Impl][]string{report.Go: {"-procs", "1"}},
		Metrics: []report.Metric{
			{Name: "echo_rps", Title: "echo server, 50 connections, 64-byte messages (Go: GOMAXPROCS=1)", Unit: "req/s", Bound: "syscalls; load generator shares the 2 cores"},
			{Name: "echo_p99", Title: "echo server p99 round trip, 50 connections", Unit: "us", Bound: "syscalls; load generator shares the 2 cores"},
		}},
	{Name: "echo_2cores", Program: "echo", Impls: []report.Impl{report.GeventGo, report.Go}, Server: true,
		Args: map[report.Impl][]string{report.Go: {"-procs", "2"}, report.GeventGo: {"-hubs", "2"}},
		Metrics: []report.Metric{
			{Name: "echo_2cores_rps", Title: "echo server on 2 cores (Go: GOMAXPROCS=2; geventgo: a hub per core, SO_REUSEPORT)", Unit: "req/s", Bound: "2 cores shared with the load generator"},
			{Name: "echo_2cores_p99", Title: "echo server p99 on 2 cores", Unit: "us", Bound: "2 cores shared with the load generator"},
		}},
}
