// Package scheduler is gevent's core for Go: a hub greenlet per goroutine that
// drives a libev loop, gevent's Greenlet (spawn, join, kill, links), sleep,
// Timeout and LoopExit.
//
// # Model
//
// The first scheduler call in a goroutine creates that goroutine's Hub; the
// goroutine itself becomes the main greenlet and the hub is a greenlet whose
// parent is main. Greenlets spawned with Spawn run on cooperative coroutines
// (package greenlet) that belong to the hub: exactly one of them runs at a
// time, and they switch only where they block (Sleep, Join, Waiter.Get,
// Hub.Wait ...). Blocking switches to the hub, which runs queued callbacks
// (RunCallback), then polls libev once, dispatches the watchers that fired
// and starts over. When nothing can ever wake the caller the hub switches back
// to main with a *LoopExitError listing every blocked greenlet, what it waits
// on and its stack.
//
// # Goroutines
//
// Everything is hub-affine: call it from the goroutine that owns the hub or
// from one of its greenlets. A blocking call from any other goroutine returns
// ErrNotGreenlet and leaves the hub untouched. Hub.Post is the one
// goroutine-safe entry: it queues fn under a mutex and wakes the loop with one
// ev_async_send. RunBlocking runs a blocking function on a goroutine and
// parks only the calling greenlet until it returns.
//
// # Lifetime
//
// A hub lives until Destroy, which kills its greenlets so their defers run
// and frees the loop; Main(fn) wraps a function in a hub and destroys it
// afterwards. While any hub exists one watchdog goroutine runs the blocking
// detector, so tests that check for leaked goroutines (goleak) must destroy
// every hub they create.
//
// # Idle workers
//
// A finished greenlet's coroutine is kept on an idle stack and runs the next
// spawn, so spawning costs a coroutine only beyond the largest burst seen
// lately. The stack has no cap; it shrinks over time instead: every second
// (an unref'd timer, which never keeps the loop alive and stops once the
// pool is down to 256 workers) half of the workers that stayed idle for the
// whole second are ended and their stacks freed. After a burst of 100k
// greenlets the hub holds ~4.7 KiB per idle worker (~470 MiB) until the
// passes have run; measured with the loop kept alive, three quarters of it
// was back 3 s after the burst, nine tenths after 5 s and all but 6 MiB of
// runtime caches after 12 s (a hub that sits in LoopExit runs no timers, so
// it trims only when its loop runs again). Hub.IdleWorkers reports the
// pool's size.
//
// # Reports
//
// Errors that escape greenlets, callbacks and links go to the hub's error
// handler (SetErrorHandler; stderr by default): a *GreenletError (with the
// stack for a panic), a *BlockingError from the blocking detector when the
// hub has not switched for SetBlockingThreshold (100 ms by default), with
// the stack of the greenlet that holds it. A *LoopExitError lists every
// blocked greenlet with what it waits on ("sleep 1s", "join Greenlet-3", a
// Waiter's label) and its stack, trimmed of the coroutine plumbing.
//
// # The hub and the Go scheduler
//
// Greenlet switches are coroutine switches and never enter the Go scheduler,
// and the hub blocks for I/O inside a cgo call (ev_run's epoll_wait), so to
// the runtime the hub's goroutine looks like one goroutine that never yields.
// Past 10 ms on one time slice, sysmon then retakes the hub's P every time it
// finds it in a cgo call or syscall, waking every 20 us to do so. The hub
// therefore calls runtime.Gosched every few milliseconds of loop time, which
// costs one scheduler pass and removes those wake-ups (on the echo benchmark:
// 4012 to 239 nanosleeps per 2 s, 6 % less CPU per request). Locking the hub
// to its thread (runtime.LockOSThread before any greenlet exists) was
// measured too and did not help: with the lock, every Gosched or retake
// becomes a futex handoff between threads.
//
// # What a switch costs
//
// Measured on a 2-CPU AMD EPYC VM with perf: beyond the coroutine switches
// themselves (three locked compare-and-swaps each in the runtime's
// coroswitch), a hand-over is bound by returns the CPU mispredicts after
// every switch, one per frame between the code that resumes and the switch,
// so the hot paths keep that distance short: Waiter.Get switches to the hub
// itself, Waiter.Switch on the hub calls the greenlet's transfer directly,
// and Hub.SwitchEach lets a hub callback wake a sequence of waiters from its
// own loop (a Channel rendezvous went from ~400 to ~280 ns per item). The
// blocking detector's atomic store per switch side was measured against
// plain stores and made no measurable difference (presumably because the
// runtime's own locked operations serialise the switch anyway). Waking thousands of waiters in a row is
// bound by cache misses instead (100 waiters: ~300 ns each; 10k: ~800 ns),
// chiefly on the runtime's side (each coroutine's goroutine and stack), so
// objects of ours on the wake path are kept off that chain where they can
// be: a waiting greenlet's link holds its wakeup, a Waiter the raw greenlet.
// Merging stack frames under a parked waiter and regrouping the hot fields
// of the greenlet's context and task were tried and did not pay.
//
// # Differences from gevent
//
// Python exceptions are Go errors: a blocking call returns the error thrown
// into the greenlet (GreenletExit from Kill, a *Timeout ...) and the body is
// expected to return it. A greenlet whose body returns an error matching
// ErrGreenletExit counts as successful, as in gevent. Panics and
// runtime.Goexit inside a greenlet are recovered and reported to the hub's
// error handler; the hub goes on.
package scheduler
