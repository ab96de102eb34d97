// Package scheduler is gevent's core for Go: a hub greenlet that drives a
// libev loop on a goroutine the program chose, gevent's Greenlet (spawn,
// join, kill, links), Sleep, Timeout and LoopExit. Greenlets of one hub take
// turns on its goroutine and switch only where they wait.
//
// # Hubs exist only where the program asked for one
//
// Main(fn) runs fn as the main greenlet of a new hub on the calling
// goroutine and destroys the hub afterwards; NewHub does the same for a
// goroutine the caller owns, which then calls Hub.Destroy. No other call
// creates a hub. Every scheduler, primitive and socket call made from a
// goroutine that is not a greenlet of the object's hub (a plain goroutine,
// a RunBlocking function, a greenlet of another hub) returns an error
// matching ErrNotGreenlet and changes nothing; a blocking call made from the
// hub greenlet itself (a callback, a link) is refused the same way. Hub.Post
// is the goroutine-safe way in; each package's doc names its other
// goroutine-safe calls. The check lives in one place (Hub.Check,
// Hub.CheckWait and Binding), which every package uses. Greenlet.Context,
// Timeout.Context, Timeout.Fired and Timeout.Pending are goroutine-safe: a
// greenlet may hand its context to a plain goroutine, which may be the
// first to ask for it. So are a Greenlet's Name and Hub and the queries of
// its outcome, Ready, Dead, Successful, Err, ExitErr and Value: a plain
// goroutine may poll Ready, and once it returned true the others give the
// final outcome (before, they answer "not ready": zero value, nil error).
// Started, HasLinks, SpawningGreenlet and SpawningStack stay the hub's
// (false or nil elsewhere): they read what the hub writes plainly, a start
// on the spawn path, the links on every join, the spawner when the
// greenlet ends. A greenlet made by New outside any hub belongs to the
// hub of the first greenlet that starts it; a greenlet of another hub that
// starts it too, even at the same time, gets ErrNotGreenlet. A greenlet
// that finished on a hub since destroyed belongs to no hub any more: its
// result is final, its Get, Join and TryGet return it from any goroutine,
// and its Kill, KillAsync and KillAll do nothing there, as for any dead
// greenlet.
//
// # Waiting
//
// Every blocking call takes a context.Context and, when it ends first
// (whether it had ended at the call or ends during the wait), returns its
// package's error naming the call ("scheduler: Sleep: context canceled",
// "event: Event.Wait: ...", a *net.OpError naming "dial" in package socket),
// wrapping ContextError's error: it matches context.Canceled, or for a
// deadline both context.DeadlineExceeded and ErrTimeout, or for a context a
// timeout cancelled (a Timeout's Context) both context.Canceled and
// ErrTimeout, and for the last two errors.As finds a net.Error whose Timeout
// is true. This holds for every package of the module. Only the context's
// own end is reported so, decided by the context itself: an error thrown
// into the waiting greenlet comes back as each package returns thrown
// errors, even a Kill whose error is context.Canceled while the context
// lives. The deadline is a timer on the hub and a cancel from another
// goroutine reaches the hub with one Post; a wait bounded by a context that
// can be cancelled keeps the loop alive (no LoopExit) until it ends.
// Non-blocking forms are TryX methods. gevent's Timeout bounds a stretch of
// code instead of one call: once started it is thrown into whatever the
// greenlet waits on, and its error matches ErrTimeout too (and os.IsTimeout
// says yes to it). A blocking call also returns what is thrown into
// the greenlet: GreenletExit from Kill, a *Timeout, a *LoopExitError when
// nothing can ever wake it (listing every blocked greenlet, what it waits on
// and its stack).
//
// # Lifetime
//
// Destroy kills the hub's greenlets so their defers run (a greenlet blocked
// in a wait gets ErrGreenletExit there, and later blocking calls get
// ErrHubDestroyed, which matches ErrClosed), then frees the loop. Callbacks
// still queued when Destroy starts never run, nor do the watcher callbacks
// of events pending then (a socket's, a timer's); the links of the killed
// greenlets (those that never ran included), the links not yet run of
// greenlets that had finished, and what the defers queue run before Destroy
// returns. A Timeout still armed then never fires: Destroy ends its run,
// its Context cancelled with an error matching ErrHubDestroyed. While any
// hub exists one goroutine runs the blocking detector: tests that check for
// leaked goroutines must destroy every hub they create.
//
// # Reports
//
// Errors that escape greenlets, callbacks and links go to the hub's error
// handler (SetErrorHandler; stderr by default): a *GreenletError, an *Error
// for a callback or a link, each with the panicking stack for a panic, or a
// *BlockingError from the blocking detector when a greenlet held the hub
// for SetBlockingThreshold without switching, with that greenlet's stack.
// The detector reports at once from its own goroutine, so that an endless
// loop is reported too; SetErrorHandler says why a handler still needs no
// lock of its own. A hub started with Config.MaxMemoryUsage also gets, on
// the hub, a *MemoryUsageError each time that goroutine finds the process
// above that limit and using more than at its last look, and once when it
// is back under (gevent's memory monitor).
//
// AssertSwitches asserts the same in a test, for a stretch of code: that it
// let the hub run, or that no greenlet ran longer than a threshold without
// switching while it ran.
//
// # Live view
//
// RunInfo, WriteRunInfo and Hub.Snapshot are gevent's print_run_info on
// demand: each hub's greenlets as a tree by spawner, with their state and
// what each waits on, the loop's counters and the hub's settings. They may
// be called from any goroutine: each hub is read on its own goroutine by a
// posted callback (the caller's own hub in place), and a hub too busy to
// answer in time is reported as such, with the greenlet holding it.
// RunInfoStacks and WriteRunInfoStacks add each greenlet's stack where it
// waits, from one dump of every goroutine's stack (which stops the world
// while it formats). Package runinfo serves the same view over HTTP.
//
// # System errors
//
// As in gevent, an error of a system class reported to the hub (by default
// an exit request, *ExitError, gevent's SystemExit; see SetSystemErrors) is
// thrown into the main greenlet after the handler saw it: main's current or
// next wait returns it, and Main returns it when main's function does.
//
// # Differences from gevent
//
// Python exceptions are Go errors: a blocking call returns the error thrown
// into the greenlet and the body is expected to return it. A greenlet whose
// body returns an error matching ErrGreenletExit counts as successful, as in
// gevent. Panics and runtime.Goexit inside a greenlet, a callback (a
// watcher's included) or a link are recovered and reported; the hub goes
// on. A deferred call that panics while a greenlet's body (or a link's)
// unwinds from runtime.Goexit ends that greenlet alone, with the
// *PanicError of the last panic; one in a callback the hub runs (a
// watcher's, a Rawlink function's, an event link's, the error handler's) is
// reported once, as that panic, and the hub goes on (the links after a
// Rawlink function's too). Under GODEBUG=panicnil=1, where recover returns
// nil for panic(nil) as for a Goexit, a panic(nil) is still reported as a
// panic, whose value is nil. How the hub is built and what its design choices cost is in the
// repository's ARCHITECTURE.md and docs/.
package scheduler
