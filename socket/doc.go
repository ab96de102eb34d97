// Package socket gives greenlets cooperative TCP, UDP and Unix sockets (gevent.socket's place):
// non-blocking file descriptors waited on with the hub's libev io watchers, behind net.Conn,
// net.Listener and net.PacketConn.
//
// # Model
//
// Sockets are created with syscall.Socket (SOCK_NONBLOCK|SOCK_CLOEXEC); Go's netpoller never
// sees them. An operation first tries the system call; when it would block (EAGAIN) the calling
// greenlet starts an io watcher on the fd and switches to the hub until the fd is ready, the
// deadline's timer fires, the socket is closed, or an error is thrown into the greenlet (Kill, a
// scheduler.Timeout). Other greenlets run meanwhile, so ordinary Go code written against net.Conn
// (bufio, io.Copy, encoding/json) runs cooperatively inside greenlets, which is what gevent's
// monkey patching buys in Python.
//
// # Hub affinity
//
// A socket belongs to the hub of the goroutine that created it. Every method except Close must be
// called from a greenlet (or the main greenlet) of that hub; from any other goroutine it returns an
// error matching scheduler.ErrNotGreenlet. Close may be called from anywhere: from a foreign
// goroutine it is handed to the hub with Hub.Post. An http.Server calls Accept and serves each
// connection on goroutines of its own, so it cannot serve on a Listener directly: GoroutineSafe
// wraps a Listener so that every call from a foreign goroutine runs on the hub in a greenlet of its
// own (a cross-thread round trip per call), which lets http.Serve work. For speed, serve in
// greenlets instead: server.StreamServer runs a greenlet per connection.
//
// # Errors
//
// Errors are *net.OpError values, as from package net: errors.Is matches net.ErrClosed after
// Close (also for a greenlet blocked in the socket when another closes it), os.ErrDeadlineExceeded
// (and scheduler.ErrTimeout) when a deadline passes, io.EOF at the end of a stream, syscall errnos
// (syscall.ECONNRESET, syscall.EPIPE, ...) and whatever was thrown into the greenlet
// (scheduler.ErrGreenletExit, a *scheduler.Timeout).
//
// # Cost per operation
//
// A read or write that does not block is one raw system call: the fds are non-blocking, so the
// data path uses syscall.RawSyscall and skips the runtime's syscall enter/exit (which exists to
// hand the P away from a call that blocks, and let sysmon take the hub's P whenever a loopback
// write was preempted). A read after one that emptied the socket waits first instead of
// collecting an EAGAIN; io watchers stay active between waits and stop lazily (see below); each
// direction reuses one Waiter, so a request/response loop allocates nothing per request. On the
// 50-connection echo benchmark this brings the server's CPU per request to ~1.15x C libev's (from ~1.6x).
//
// # Idle sockets and LoopExit
//
// An io watcher left active after a wait, with nobody waiting, does not keep the hub's loop
// alive: the wait that leaves it active unrefs the loop (ev_unref, so Loop.ActiveCount does not
// count it) and the next wait, its lazy self-stop or Close refs it again first. So idle
// connections (keep-alive clients of a server) never turn a deadlock into a hang: a greenlet
// blocked forever elsewhere still gets a *scheduler.LoopExitError, as in gevent, whose hub.wait
// stops the watcher however the wait ends. The bookkeeping costs a Ref and an Unref (two cgo
// calls, ~65 ns together) per wait, below the noise of the ping-pong and echo benchmarks.
//
// # Closing under a waiter
//
// Close stops and frees the fd's watchers before it closes the fd, so libev never sees a closed fd
// (closing an fd under an active watcher makes libev abort), then wakes the greenlets that waited
// on it with net.ErrClosed.
package socket
