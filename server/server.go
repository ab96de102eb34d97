// Package server provides gevent's StreamServer (a greenlet per accepted connection) and
// DatagramServer (a greenlet per datagram) on package socket.
//
// # Lifetime
//
// Start spawns the accept (or read) loop and returns; Serve starts the server if needed and
// blocks until it is stopped and its handlers are done. Shutdown stops accepting, lets the
// running handlers finish until its context ends and then kills them; Close stops accepting
// and kills the handlers at once. Both close the socket, and a stopped server does not start
// again (ErrStopped, which matches scheduler.ErrClosed). A killed handler gets GreenletExit at
// its blocking call, its defers run and its connection is closed, even when it was killed
// before it started. A connection accepted but still waiting for a free slot of a full pool
// when the server stops is closed unserved, as the kernel's backlog is when the listener
// closes. A greenlet blocked in Serve returns once the server is stopped and its handlers are
// done; if that greenlet is killed instead, Serve shuts the server down itself (see
// StreamServer.Serve). A handler that swallows its kill (waits again after the GreenletExit)
// is a limit: Shutdown gives up on it a second after the kill and says so, but Serve waits
// until it returns.
//
// # Handlers and clients
//
// A handler's error goes to the hub's error handler, and so does its panic, which the scheduler
// recovers (a *scheduler.GreenletError carrying a *scheduler.PanicError); either way its
// connection is closed and the server goes on. A connection's handler greenlet is named
// "server handler <remote address>" (as ghttp's are "ghttp conn <address>"), so that the hub's
// reports (its failure, the blocking detector, LoopExit) say which client it serves. A
// datagram's handler greenlet keeps the scheduler's "Greenlet-<n>": a greenlet per datagram is
// the hot path, which a name formatted and stored for every datagram would slow. With a limit
// (Options.Pool or MaxConcurrency) the loop takes one more connection (or datagram), waits for
// a free slot with it, and leaves the other clients in the listener's backlog (the socket's
// receive queue) until then. When the process runs out of descriptors (EMFILE, ENFILE) the
// accept loop does not spin: socket.Listener.AcceptConn backs off from Options.MinDelay
// doubling to MaxDelay (its listener's ListenConfig.AcceptMinDelay and AcceptMaxDelay, which
// Listen sets from them), reports each failure to the hub's error handler, as gevent does,
// and accepting resumes once descriptors come free; Shutdown and Close end the back-off at
// once.
//
// A spawned handler starts only once the loop switches away, and the loop takes connections (or
// datagrams) without switching as long as the socket has more. So, as gevent's max_accept does,
// after Options.MaxAccept (DefaultMaxAccept, 100) of them in a row without having waited, for
// the socket or for a free slot, the loop yields (scheduler.Sleep with 0), and the handlers
// spawned by then start before it takes more; a burst of clients cannot hold the handlers of
// the first ones back until the backlog is empty.
//
// Any other accept or read error that leaves the socket usable does not stop the server either
// (gevent's BaseServer): a system call's error other than EBADF, EINVAL and ENOTSOCK (gevent's
// fatal_errors), such as the ECONNREFUSED that recvfrom returns on a connected UDP socket
// after an ICMP port-unreachable, or the EPERM of accept4 when a firewall rule refuses the
// connection. Each error goes to the hub's error handler, as gevent's do (a *Error of Op
// "StreamServer.accept" or "DatagramServer.read"), the loop sleeps from Options.MinDelay
// (DefaultMinDelay, 10 ms) doubling to MaxDelay (DefaultMaxDelay, 1 s) between tries (gevent's
// min_delay and max_delay), and the next connection accepted or datagram read ends the streak;
// Shutdown and Close end the sleep at once. A socket closed under the server stops it quietly
// (see StreamServer.Serve); any other error (a deadline set on the socket, a wrong hub, EBADF,
// EINVAL, ENOTSOCK) stops it too: it accepts (or reads) nothing more, the loop's failure goes to
// the hub's error handler, and Serve returns the error once the running handlers are done.
//
// Destroying the hub under a started server (Main returning without a Shutdown) kills its
// loop and its handlers: their connections and the socket are closed, also when the loop never
// ran (Start just before the hub's end). A server never started keeps its socket open (package
// socket's sockets outlive their hub until closed): stop or close it before its hub ends.
//
// # Goroutines
//
// A server is hub-affine: it binds to the hub of the first greenlet that starts, serves or stops
// it, which must be the hub its socket belongs to (a server bound to another hub fails at its
// first accept or read with an error matching scheduler.ErrNotGreenlet, which Serve returns, and
// closes its socket). Start, Serve, Shutdown and Close called from a goroutine that is not a
// greenlet of that hub return an error matching scheduler.ErrNotGreenlet and change nothing; so do
// Serve and Shutdown, which block, from the hub greenlet itself (a callback). A plain goroutine (a
// signal handler's, say) stops a server through Hub.Post: Close in the posted callback, or
// Shutdown in a greenlet that the callback spawns. SendTo follows package socket's rules for the
// server's PacketConn. Nothing here creates a hub. Addr and Listener are goroutine-safe (they
// never change), and so are Started and Closed (gevent's started and closed); Len and Full are
// hub-affine reads.
//
// # Zero values and errors
//
// The zero StreamServer and DatagramServer have no socket: their methods return an error
// matching scheduler.ErrNilArgument (Addr and Listener return nil, Len 0, Full false). The zero Options
// serve without a limit, with gevent's max_accept, min_delay and max_delay; Options that are
// negative or contradict each other make the constructors return ErrBadOptions naming the
// field. The server's own errors are *Error values naming the call that failed; Listen,
// ListenPacket and SendTo return package socket's errors as they are.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/internal/backoff"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/internal/sentinel"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// Sentinel errors, matchable with errors.Is.
var (
	// ErrStarted is returned by Start on a server that was already started.
	ErrStarted = errors.New("server already started")
	// ErrStopped is returned by Start and Serve on a server that was shut down or closed;
	// servers are not restartable. It matches scheduler.ErrClosed.
	ErrStopped = sentinel.Of(scheduler.ErrClosed, "server stopped")
	// ErrBadOptions is returned by the constructors for Options that are negative or contradict
	// themselves; the error names the field.
	ErrBadOptions = errors.New("invalid server options")
)

// errNoSocket is the cause given for a server that no constructor made (the zero value).
var errNoSocket = fmt.Errorf("server has no socket (create it with NewStream, NewDatagram, Listen or ListenPacket): %w",
	scheduler.ErrNilArgument)

// errZeroSocket is the cause given to NewStream and NewDatagram for a zero socket.Listener or
// socket.PacketConn, which no socket constructor made.
var errZeroSocket = fmt.Errorf("zero socket (not made by a socket constructor): %w", socket.ErrBadFD)

// addrName is a's text for a greenlet's name; a socket whose address is unknown has none.
func addrName(a net.Addr) string {
	if a == nil {
		return "(unknown address)"
	}
	return a.String()
}

// Error adds the operation that failed to a cause.
type Error struct {
	Op  string // e.g. "StreamServer.Shutdown"
	Err error  // the cause: a sentinel, a socket or pool error, a context's error ...
}

// Error returns "server: Op: cause", so the text names the package and the call that failed.
func (e *Error) Error() string {
	if e == nil {
		return "server: <nil>"
	}
	return "server: " + e.Op + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a timeout (a context's deadline:
// scheduler.ContextError's error), so os.IsTimeout and net.Error users see
// one, as with package os's and net's errors.
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return e != nil && errors.As(e.Err, &t) && t.Timeout()
}

// DefaultStopTimeout is how long Serve, when the greenlet serving is killed (gsignal.Main on
// the first signal), lets the handlers finish before it kills them, unless Options.StopTimeout
// says otherwise (gevent's stop_timeout).
const DefaultStopTimeout = time.Second

// killWait bounds how long Shutdown waits for the handlers it killed to die (gevent's stop
// kills with timeout=1): a handler that swallows the kill must not hang the caller.
const killWait = time.Second

// gevent's BaseServer defaults (max_accept, min_delay, max_delay), which the zero Options take.
const (
	// DefaultMaxAccept is how many connections (or datagrams) the loop takes in a row before it
	// lets their handlers start.
	DefaultMaxAccept = 100
	// DefaultMinDelay is the first sleep of the loop's back-off after an error.
	DefaultMinDelay = 10 * time.Millisecond
	// DefaultMaxDelay is the longest sleep of the loop's back-off.
	DefaultMaxDelay = time.Second
)

// Options tune a server; the zero value serves without a limit, with gevent's defaults.
type Options struct {
	// Pool, if set, runs the handlers: while it is full the server stops accepting (or reading
	// datagrams) until a handler finishes, as gevent's servers do with a Pool. Shutdown and
	// Close wait for and kill every member of the pool, not only the server's handlers.
	Pool *pool.Pool
	// MaxConcurrency, if positive, limits the handlers running at once the same way through a
	// pool of that size. It may not be combined with Pool, nor be negative.
	MaxConcurrency int
	// ListenConfig is used by Listen and ListenPacket (ReusePort for one hub per core,
	// Backlog).
	ListenConfig socket.ListenConfig
	// MaxAccept is how many connections (or datagrams) the loop takes in a row, without having
	// waited for the socket or a free slot, before it yields so that the handlers it spawned
	// start (gevent's max_accept): a higher value favours new clients under a burst, a lower one
	// the clients already served. 0 means DefaultMaxAccept; it may not be negative.
	MaxAccept int
	// MinDelay is the first sleep of the loop's back-off after an accept or read error that
	// leaves the socket usable (gevent's min_delay); each next error of the streak doubles it, up
	// to MaxDelay. 0 means DefaultMinDelay, or MaxDelay when that is set and shorter. It may not
	// be negative, nor longer than a MaxDelay that is set.
	MinDelay time.Duration
	// MaxDelay is the longest sleep of that back-off (gevent's max_delay). 0 means
	// DefaultMaxDelay, or MinDelay when that is set and longer. It may not be negative.
	//
	// The back-off at the descriptor limit runs inside socket.Listener.AcceptConn, between the
	// listener's ListenConfig.AcceptMinDelay and AcceptMaxDelay: Listen sets those to MinDelay
	// and MaxDelay (or their defaults) unless ListenConfig sets one of them itself. A listener
	// given to NewStream keeps the bounds it was made with.
	MaxDelay time.Duration
	// StopTimeout is how long Serve, when the greenlet serving is killed, lets the handlers
	// finish before it kills them (gevent's stop_timeout). 0 means DefaultStopTimeout; it may
	// not be negative. Shutdown takes its bound from its ctx instead.
	StopTimeout time.Duration
}

// badOption is op's ErrBadOptions error, saying why.
func badOption(op, format string, args ...any) error {
	return &Error{Op: op, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadOptions}, args...)...)}
}

// pacing returns the loop's MaxAccept, MinDelay and MaxDelay, the zero ones given their
// defaults, or op's error for values that are negative or contradict each other.
func (o *Options) pacing(op string) (maxAccept int, minDelay, maxDelay time.Duration, err error) {
	switch {
	case o.MaxAccept < 0:
		return 0, 0, 0, badOption(op, "MaxAccept %d is negative", o.MaxAccept)
	case o.MinDelay < 0:
		return 0, 0, 0, badOption(op, "MinDelay %v is negative", o.MinDelay)
	case o.MaxDelay < 0:
		return 0, 0, 0, badOption(op, "MaxDelay %v is negative", o.MaxDelay)
	case o.MaxDelay > 0 && o.MinDelay > o.MaxDelay:
		return 0, 0, 0, badOption(op, "MinDelay %v is longer than MaxDelay %v", o.MinDelay, o.MaxDelay)
	}
	maxAccept, minDelay, maxDelay = o.MaxAccept, o.MinDelay, o.MaxDelay
	if maxAccept == 0 {
		maxAccept = DefaultMaxAccept
	}
	minDelay, maxDelay = backoff.Bounds(minDelay, maxDelay, DefaultMinDelay, DefaultMaxDelay)
	return maxAccept, minDelay, maxDelay, nil
}

// spawner picks where handlers run: the given pool, a pool of MaxConcurrency, or a Group that
// only tracks them for Shutdown and Close.
func (o *Options) spawner(op string) (pool.Spawner, *pool.Group, error) {
	switch {
	case o.MaxConcurrency < 0:
		return nil, nil, badOption(op, "MaxConcurrency %d is negative", o.MaxConcurrency)
	case o.Pool != nil && o.MaxConcurrency > 0:
		return nil, nil, badOption(op, "both Pool and MaxConcurrency are set")
	case o.Pool != nil:
		return o.Pool, &o.Pool.Group, nil
	case o.MaxConcurrency > 0:
		p, err := pool.New(o.MaxConcurrency)
		if err != nil {
			return nil, nil, &Error{Op: op, Err: err}
		}
		return p, &p.Group, nil
	}
	g := pool.NewGroup()
	return g, g, nil
}

// base is what both servers share: the loop greenlet that accepts (or reads), the handlers'
// group and the stop state. Hub-affine.
type base struct {
	hub   scheduler.Binding
	spawn pool.Spawner
	group *pool.Group
	// loop accepts or reads and spawns the handlers; nil before Start.
	loop *scheduler.Greenlet[struct{}]
	// delay is the loop's current back-off after an error that leaves the socket usable; 0
	// while accepting (or reading) normally. Only the loop touches it.
	delay time.Duration
	// minDelay and maxDelay bound delay (Options.MinDelay and MaxDelay, or their defaults).
	minDelay, maxDelay time.Duration
	// pace yields the loop after Options.MaxAccept takes in a row.
	pace pacer
	// stopTimeout is Options.StopTimeout, or DefaultStopTimeout.
	stopTimeout time.Duration
	// cancel ends the loop's wait for a free slot of a full pool, which closing the socket
	// does not wake.
	cancel  context.CancelFunc
	stopped bool // Shutdown or Close ran, or the loop failed: accept nothing more
	// life mirrors the start and the stop for Started and Closed, which any goroutine may ask.
	life atomic.Uint32
	// closeSocket closes the listener or the packet socket.
	closeSocket func() error
}

// init sets up a new server's handlers' group and its loop's pacing from opts.
func (b *base) init(op string, opts *Options, closeSocket func() error) error {
	maxAccept, minDelay, maxDelay, err := opts.pacing(op)
	if err != nil {
		return err
	}
	if opts.StopTimeout < 0 {
		return badOption(op, "StopTimeout %v is negative", opts.StopTimeout)
	}
	sp, g, err := opts.spawner(op)
	if err != nil {
		return err
	}
	b.spawn, b.group, b.closeSocket = sp, g, closeSocket
	b.minDelay, b.maxDelay = minDelay, maxDelay
	b.pace.max = maxAccept
	b.stopTimeout = opts.StopTimeout
	if b.stopTimeout == 0 {
		b.stopTimeout = DefaultStopTimeout
	}
	return nil
}

// start spawns run as the loop greenlet, named name.
func (b *base) start(op, name string, run func(ctx context.Context) error) error {
	if _, err := b.hub.Check(); err != nil {
		return &Error{Op: op, Err: err}
	}
	switch {
	case b.stopped:
		return &Error{Op: op, Err: ErrStopped}
	case b.loop != nil:
		return &Error{Op: op, Err: ErrStarted}
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.loop = scheduler.Go(func() error { return run(ctx) })
	b.loop.SetName(name)
	// However the loop ends: a loop killed before it ran (Start just before the hub's end)
	// never reaches its own stop, and its socket must close all the same.
	b.loop.Rawlink(func(scheduler.Linkable) { _ = b.stopAccepting() })
	b.life.Or(lifeStarted)
	return nil
}

// The bits of base.life.
const (
	lifeStarted uint32 = 1 << iota // Start (or Serve) started the loop
	lifeStopped                    // the server stopped: its socket is closed
)

// started is gevent's started: the loop was started and the server has not stopped.
func (b *base) started() bool { return b.life.Load() == lifeStarted }

// closed is gevent's closed: the server stopped and closed its socket.
func (b *base) closed() bool { return b.life.Load()&lifeStopped != 0 }

// serve starts the server unless it runs already, and waits until it stopped and its handlers
// are done. If the serving greenlet is killed meanwhile, it shuts the server down as gevent's
// serve_forever does: handlers get Options.StopTimeout to finish, and a second kill cuts that
// short.
func (b *base) serve(op string, start func(op string) error) error {
	if _, err := b.hub.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	if b.loop == nil || b.stopped {
		if err := start(op); err != nil {
			return err
		}
	}
	if err := b.waitIdle(context.Background()); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), b.stopTimeout)
		defer cancel()
		_ = b.shutdown(ctx, op)
		return &Error{Op: op, Err: err}
	}
	if err := b.loop.Err(); err != nil {
		return &Error{Op: op, Err: err}
	}
	return nil
}

// waitIdle waits until the loop has ended and no handler runs, or ctx is done.
func (b *base) waitIdle(ctx context.Context) error {
	if b.loop != nil {
		if err := b.loop.Join(ctx); err != nil {
			return err
		}
	}
	// Join's error is the wait's own, or once the group was empty the failure of a member it
	// had at the start (reported to the hub's error handler already), as that member returned
	// it: a failed member counts as finished, though the group may have members again by now
	// (a shared Options.Pool).
	members := b.group.Greenlets()
	err := b.group.Join(ctx)
	if err == nil || b.group.Len() == 0 || failureOf(members, err) {
		return nil
	}
	if pe, ok := err.(*pool.Error); ok {
		return pe.Err // pool's Op adds nothing for the caller
	}
	return err
}

// failureOf reports whether err is the very error one of members failed with. An err == cannot
// compare (of such a type, or holding one) is taken for the wait's own (pool's are pointers):
// the handlers are then killed rather than left running.
func failureOf(members []scheduler.Runnable, err error) bool {
	if !reflect.TypeOf(err).Comparable() {
		return false
	}
	for _, m := range members {
		if sameError(m.Err(), err) {
			return true
		}
	}
	return false
}

// sameError is a == b, false where == panics: a comparable type (a struct, an array) holding a
// value of one it cannot compare (a slice, a map) in an interface field.
func sameError(a, b error) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// shutdown stops accepting, waits for the handlers until ctx is done, then kills them and
// waits for them to die.
func (b *base) shutdown(ctx context.Context, op string) error {
	if ctx == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if _, err := b.hub.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	_ = b.stopAccepting()
	err := b.waitIdle(ctx)
	if err == nil {
		return nil
	}
	// No handler running when the wait ended: only the loop had not yet seen the stop (ctx
	// ended before it ran), which is no handler left unfinished.
	idle := b.group.Len() == 0
	b.kill()
	if !ctxwait.Ended(ctx, err) {
		// The caller itself was interrupted (a Kill, even with context.Canceled as its
		// error, a Timeout): the handlers are killed and not waited for.
		return &Error{Op: op, Err: err}
	}
	// ctx's own error, not that of the wait that saw it (the loop's Join, the group's).
	err = ctxwait.Err(scheduler.ContextError(ctx), err)
	kctx, cancel := context.WithTimeout(context.Background(), killWait)
	defer cancel()
	if werr := b.waitIdle(kctx); werr != nil {
		if !ctxwait.Ended(kctx, werr) {
			return &Error{Op: op, Err: werr}
		}
		return &Error{Op: op, Err: fmt.Errorf("%d handlers still run %v after the kill: %w", b.group.Len(), killWait, err)}
	}
	if idle {
		return nil
	}
	return &Error{Op: op, Err: err}
}

// close stops accepting and kills the handlers without waiting.
func (b *base) close(op string) error {
	if _, err := b.hub.Check(); err != nil {
		return &Error{Op: op, Err: err}
	}
	err := b.stopAccepting()
	b.kill()
	if err != nil {
		return &Error{Op: op, Err: err}
	}
	return nil
}

// stopAccepting closes the socket and wakes the loop from whatever it waits on, once.
func (b *base) stopAccepting() error {
	if b.stopped {
		return nil
	}
	b.stopped = true
	b.life.Or(lifeStopped)
	if b.cancel != nil {
		b.cancel()
	}
	return b.closeSocket()
}

// kill raises GreenletExit in the loop and in every handler.
func (b *base) kill() {
	if b.loop != nil {
		_ = b.loop.KillAsync(nil)
	}
	_ = b.group.KillAsync(nil)
}

// retryable reports whether the accept or read error err leaves the socket usable, so that the
// loop backs off and tries again (gevent's is_fatal_error, negated): a system call's error
// other than EBADF, EINVAL and ENOTSOCK (gevent's fatal_errors). The socket's closing, a
// deadline set on it, a kill, a wrong or destroyed hub end the loop as before.
func retryable(err error) bool {
	var errno syscall.Errno
	if errors.Is(err, net.ErrClosed) || !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case syscall.EBADF, syscall.EINVAL, syscall.ENOTSOCK:
		return false
	}
	return true
}

// backOff sleeps after a retryable error, doubling the delay each time from minDelay to
// maxDelay, and reports the error to the hub's error handler as a *Error of op (gevent's
// _do_read hands each one to handle_error, as net/http's Serve logs each). The server's stop ends the sleep at once: ctx is the loop's, which stopAccepting
// cancels, and Close kills the loop besides.
func (b *base) backOff(ctx context.Context, op string, err error) error {
	b.delay = min(max(2*b.delay, b.minDelay), b.maxDelay)
	b.hub.Hub().HandleError(&Error{Op: op, Err: err})
	return scheduler.Sleep(ctx, b.delay)
}

// pacer bounds how many connections (or datagrams) the loop takes in a row before the handlers
// it spawned get to start (gevent's max_accept, which bounds the accepts of one loop turn): the
// loop takes without switching as long as the socket has more, and a spawned handler starts only
// once the loop switches. The hub's count of switches tells whether the loop waited (for the
// socket, or for a free slot of a full pool) since its last take: the handlers ran then. Only
// the loop touches it.
type pacer struct {
	max      int    // Options.MaxAccept, or its default
	taken    int    // taken since the loop last switched
	switches uint64 // the hub's switch count at the last take
}

// took counts one connection (or datagram) whose handler the loop just spawned, and after max
// of them in a row yields with scheduler.Sleep(ctx, 0), which runs the handlers' starts, queued
// before it. Its error is the yield's (the server's stop).
func (p *pacer) took(ctx context.Context, h *scheduler.Hub) error {
	if sw := h.Stats().Switches; sw != p.switches {
		p.switches, p.taken = sw, 0
	}
	p.taken++
	if p.taken < p.max {
		return nil
	}
	p.taken = 0
	err := scheduler.Sleep(ctx, 0)
	p.switches = h.Stats().Switches
	return err
}

// loopEnd is how the loop ends after err: quietly when the server was stopped or the socket
// closed, with err otherwise; either way the server accepts nothing more.
func (b *base) loopEnd(err error) error {
	stopped := b.stopped
	_ = b.stopAccepting()
	if stopped || errors.Is(err, net.ErrClosed) || errors.Is(err, scheduler.ErrGreenletExit) {
		return nil
	}
	return err
}

// running returns how many handlers run.
func (b *base) running() int { return b.group.Len() }

// full reports whether the handlers fill the limit (a group without one has a free slot always).
func (b *base) full() bool { return b.group.FreeCount() <= 0 }
