package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/backoff"
	"github.com/geventgo/geventgo/scheduler"
)

// soReusePort is SO_REUSEPORT on Linux, which package syscall does not name.
const soReusePort = 0xf

// Back-off bounds of an Accept that ran out of descriptors (gevent's StreamServer waits
// min_delay=0.01 doubling to max_delay=1).
const (
	acceptMinDelay = 10 * time.Millisecond
	acceptMaxDelay = time.Second
)

// ListenConfig holds listening options; the zero value is ready to use.
type ListenConfig struct {
	// Backlog is listen(2)'s backlog; 0 means the machine's limit
	// (/proc/sys/net/core/somaxconn), as package net does.
	Backlog int
	// ReusePort sets SO_REUSEPORT, so several hubs (one per core) can each listen on the same
	// port and the kernel spreads connections among them.
	ReusePort bool
	// NoReuseAddr turns off SO_REUSEADDR, which TCP listeners set by default like package net.
	NoReuseAddr bool
	// Hub, when set, makes Listen and ListenPacket return shared (goroutine-safe) sockets of
	// that hub, from any goroutine. When nil, the socket belongs to the calling greenlet's hub
	// and is hub-affine; outside a greenlet Listen fails with scheduler.ErrNotGreenlet.
	Hub *scheduler.Hub
	// AcceptMinDelay is the first sleep of a Listener's Accept that ran out of descriptors
	// (see Listener.AcceptConn); each next failure of the streak doubles it, up to
	// AcceptMaxDelay. 0 means 10 ms (gevent's min_delay), or AcceptMaxDelay when that is set
	// and shorter. A negative value, or one longer than an AcceptMaxDelay that is set, fails
	// Listen with an error matching syscall.EINVAL.
	AcceptMinDelay time.Duration
	// AcceptMaxDelay is the longest sleep of that back-off; 0 means 1 s (gevent's max_delay),
	// or AcceptMinDelay when that is set and longer. A negative value fails Listen with an
	// error matching syscall.EINVAL.
	AcceptMaxDelay time.Duration
}

// acceptDelays returns the back-off bounds of lc's listeners, the zero ones given their
// defaults, or why they are wrong.
func (lc *ListenConfig) acceptDelays() (minDelay, maxDelay time.Duration, err error) {
	minDelay, maxDelay = lc.AcceptMinDelay, lc.AcceptMaxDelay
	switch {
	case minDelay < 0:
		return 0, 0, fmt.Errorf("ListenConfig.AcceptMinDelay %v is negative: %w", minDelay, syscall.EINVAL)
	case maxDelay < 0:
		return 0, 0, fmt.Errorf("ListenConfig.AcceptMaxDelay %v is negative: %w", maxDelay, syscall.EINVAL)
	case maxDelay > 0 && minDelay > maxDelay:
		return 0, 0, fmt.Errorf("ListenConfig.AcceptMinDelay %v is longer than AcceptMaxDelay %v: %w",
			minDelay, maxDelay, syscall.EINVAL)
	}
	minDelay, maxDelay = backoff.Bounds(minDelay, maxDelay, acceptMinDelay, acceptMaxDelay)
	return minDelay, maxDelay, nil
}

// Listen announces on a local address for stream networks ("tcp", "tcp4", "tcp6", "unix",
// "unixpacket") with a default ListenConfig, for the calling greenlet's hub.
func Listen(network, address string) (*Listener, error) {
	var lc ListenConfig
	return lc.Listen(context.Background(), network, address)
}

// Listen announces on a local address. Port 0 picks a free port; LocalAddr tells which. ctx
// bounds the name lookup of a host name (when it ends first, Listen fails with a *net.OpError
// that wraps scheduler.ContextError's error); it does not affect the listener once made.
func (lc *ListenConfig) Listen(ctx context.Context, network, address string) (*Listener, error) {
	h, share, err := lc.hub(ctx, network)
	if err != nil {
		return nil, err
	}
	minDelay, maxDelay, err := lc.acceptDelays()
	if err != nil {
		return nil, opError("listen", network, nil, nil, err)
	}
	k, ra, sysfd, err := lc.open(ctx, network, address, false)
	if err != nil {
		return nil, err
	}
	backlog := lc.Backlog
	if backlog <= 0 {
		backlog = maxListenerBacklog()
	}
	if err := syscall.Listen(sysfd, backlog); err != nil {
		syscall.Close(sysfd)
		return nil, opError("listen", network, nil, ra.addr, wrapErrno("listen", err))
	}
	fd := newFD(h, sysfd, ra.family, k.sotype, network)
	fd.laddr = localAddr(sysfd, k.sotype)
	fd.listening = true
	l := &Listener{sock: sock{fd}, minDelay: minDelay, maxDelay: maxDelay}
	if ra.family == syscall.AF_UNIX && address != "" { // "": autobound, getsockname names it
		fd.laddr = ra.addr
		if address[0] != '@' { // '@': Linux's abstract namespace, no file
			l.path = address
			l.unlink.Store(true)
		}
	}
	if share {
		fd.share()
	}
	return l, nil
}

// hub returns the hub a new socket belongs to and whether it is shared: lc.Hub (shared), or the
// calling greenlet's hub.
func (lc *ListenConfig) hub(ctx context.Context, network string) (*scheduler.Hub, bool, error) {
	if lc == nil {
		return nil, false, opError("listen", network, nil, nil, errNilArg("ListenConfig"))
	}
	if ctx == nil {
		return nil, false, opError("listen", network, nil, nil, errNilArg("context"))
	}
	if lc.Hub != nil {
		if lc.Hub.Destroyed() {
			return nil, false, opError("listen", network, nil, nil, scheduler.ErrHubDestroyed)
		}
		return lc.Hub, true, nil
	}
	h := scheduler.CurrentHub()
	if err := h.Check(); err != nil {
		return nil, false, opError("listen", network, nil, nil, err)
	}
	return h, false, nil
}

// open parses network (a datagram one when datagram is set, a stream one
// otherwise), resolves address and binds a new socket to it, for Listen and
// ListenPacket; errors are the *net.OpError they return.
func (lc *ListenConfig) open(ctx context.Context, network, address string, datagram bool) (netKind, resolved, int, error) {
	k, err := parseNetwork(network)
	if err == nil && (k.sotype == syscall.SOCK_DGRAM) != datagram {
		err = net.UnknownNetworkError(network)
	}
	if err != nil {
		return k, resolved{}, -1, opError("listen", network, nil, nil, err)
	}
	ra, err := resolve(ctx, k, network, address, true, nil)
	if err != nil {
		return k, ra, -1, opError("listen", network, nil, nil, ctxCause(ctx, err))
	}
	sysfd, err := lc.bind(ra, k.sotype)
	if err != nil {
		return k, ra, -1, opError("listen", network, nil, ra.addr, err)
	}
	return k, ra, sysfd, nil
}

// bind creates a socket with lc's options and binds it to ra.
func (lc *ListenConfig) bind(ra resolved, sotype int) (int, error) {
	sysfd, err := syscall.Socket(ra.family, sotype|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, wrapErrno("socket", err)
	}
	fail := func(call string, err error) (int, error) {
		syscall.Close(sysfd)
		return -1, wrapErrno(call, err)
	}
	if ra.family != syscall.AF_UNIX {
		if !lc.NoReuseAddr {
			if err := syscall.SetsockoptInt(sysfd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
				return fail("setsockopt", err)
			}
		}
		if lc.ReusePort {
			if err := syscall.SetsockoptInt(sysfd, syscall.SOL_SOCKET, soReusePort, 1); err != nil {
				return fail("setsockopt", err)
			}
		}
	}
	if err := syscall.Bind(sysfd, ra.sa); err != nil {
		return fail("bind", err)
	}
	return sysfd, nil
}

// Listener is a listening stream socket: net.Listener whose Accept blocks only the calling
// greenlet. Like Conn it is hub-affine until Shared; the zero Listener fails every call with an
// error matching ErrBadFD and net.ErrClosed.
type Listener struct {
	sock
	delay atomic.Int64 // current back-off after EMFILE (a time.Duration); 0 when accepting normally
	// minDelay and maxDelay bound delay (ListenConfig.AcceptMinDelay and AcceptMaxDelay);
	// zero for a listener Listen did not make, which takes 10 ms and 1 s.
	minDelay, maxDelay time.Duration

	path       string      // the socket file of a unix listener bound to a path
	unlink     atomic.Bool // Close removes path
	unlinkOnce sync.Once
}

var _ net.Listener = (*Listener)(nil)

// Addr returns the listening address (nil for a zero Listener).
func (l *Listener) Addr() net.Addr {
	if l == nil {
		return nil
	}
	return l.LocalAddr()
}

// Accept waits for the next connection and returns it as a *Conn (shared when l is).
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptConn()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptConn is Accept returning the concrete type. When the process runs out of descriptors
// (EMFILE, ENFILE, ENOBUFS, ENOMEM) it does not spin: it sleeps, doubling the delay from 10 ms to
// 1 s (ListenConfig.AcceptMinDelay and AcceptMaxDelay change them), and tries again, as
// gevent's StreamServer does, so accepting resumes at most that longest sleep after
// descriptors come free; each failure goes to the hub's error handler, as gevent's server
// reports each one.
// The sleep ends with its timer only, not when the listener is readable (it stays so while
// connections wait); the read deadline and Close still end it. A connection that failed before
// it was accepted (aborted, or with a network error pending, which accept(2) says to retry) is
// skipped. The connections a shared Listener accepts are shared.
func (l *Listener) AcceptConn() (*Conn, error) {
	if l == nil {
		return nil, errNilSocket("accept")
	}
	if l.fd.offload() {
		c, err := runBlockingOwned(context.Background(), l.AcceptConn)
		return c, l.opErr("accept", err)
	}
	fd := l.fd
	if fd == nil {
		return nil, l.opErr("accept", errZero)
	}
	shared := fd.sh.Load() != nil
	if !shared {
		if err := fd.checkWait(); err != nil {
			return nil, l.opErr("accept", err)
		}
	}
	for {
		c, err := l.accept(shared)
		if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) &&
			!errors.Is(err, syscall.ENOBUFS) && !errors.Is(err, syscall.ENOMEM) {
			if err != nil {
				return nil, l.opErr("accept", err)
			}
			l.delay.Store(0)
			return c, nil
		}
		if err := l.backOff(shared, err); err != nil {
			return nil, l.opErr("accept", err)
		}
	}
}

// sysAccept4 is accept4(2); a test makes it fail.
var sysAccept4 = syscall.Accept4

// pendingConnError reports whether accept4 failed for one pending connection, not for the
// listener: the connection was aborted, or a network error it had pending, which accept(2)
// (Linux) says to treat like EAGAIN by retrying. (Its EOPNOTSUPP is left out: accept4 also
// returns it for a listener that is not a stream socket, for good.)
func pendingConnError(err error) bool {
	switch err {
	case syscall.ECONNABORTED, syscall.ENETDOWN, syscall.EPROTO, syscall.ENOPROTOOPT,
		syscall.EHOSTDOWN, syscall.ENONET, syscall.EHOSTUNREACH, syscall.ENETUNREACH:
		return true
	}
	return false
}

// accept runs accept4(2) until it returns a connection or an error other than EAGAIN, EINTR
// and those of one pending connection (pendingConnError), which it skips.
func (l *Listener) accept(shared bool) (*Conn, error) {
	fd := l.fd
	var nfd int
	var sa syscall.Sockaddr
	op := func() error {
		for {
			var err error
			nfd, sa, err = sysAccept4(fd.sysfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
			if !pendingConnError(err) {
				return wrapEAGAIN("accept4", err)
			}
		}
	}
	var err error
	if shared {
		err = fd.ioShared(dirRead, op)
	} else {
		err = fd.ioPlain(context.Background(), cev.EV_READ, "accept", op)
	}
	if err != nil {
		return nil, err
	}
	cfd := newFD(fd.hub, nfd, fd.family, fd.sotype, fd.network)
	cfd.laddr = localAddr(nfd, fd.sotype)
	cfd.raddr = sockaddrToAddr(fd.sotype, sa)
	if fd.family == syscall.AF_UNIX {
		cfd.laddr = fd.laddr
	}
	if shared {
		cfd.share()
		if cfd.ref.isClosing() { // not shared (the hub was destroyed meanwhile): fd given back
			return nil, ErrClosed
		}
	}
	return newConn(cfd), nil
}

// backOff sleeps after accept4 ran out of descriptors, doubling the delay each time, and
// reports the failure to the hub's error handler.
func (l *Listener) backOff(shared bool, cause error) error {
	fd := l.fd
	lo, hi := l.minDelay, l.maxDelay
	if lo == 0 {
		lo, hi = acceptMinDelay, acceptMaxDelay
	}
	delay := min(max(2*time.Duration(l.delay.Load()), lo), hi)
	l.delay.Store(int64(delay))
	if shared {
		report := l.opErr("accept", cause)
		_ = fd.hub.Post(func() { fd.hub.HandleError(report) })
		return fd.sleepShared(delay)
	}
	fd.hub.HandleError(l.opErr("accept", cause))
	return fd.sleep(delay, "accept back-off")
}

// Close closes the listener and wakes every greenlet and goroutine blocked in Accept with an
// error matching net.ErrClosed; closing twice returns such an error too. A unix listener that
// Listen bound to a path removes its socket file first, once, as package net's UnixListener
// does, so that listening on the path again works; SetUnlinkOnClose(false) keeps the file.
// Goroutine-safe (see Conn.Close).
func (l *Listener) Close() error {
	if l == nil {
		return errNilSocket("close")
	}
	l.unlinkOnce.Do(func() {
		if l.path != "" && l.unlink.Load() {
			_ = syscall.Unlink(l.path)
		}
	})
	return l.close()
}

// SetUnlinkOnClose sets whether Close removes the socket file of a unix listener bound to a
// path (package net's UnixListener.SetUnlinkOnClose); Listen sets it. It does nothing on other
// listeners. Goroutine-safe.
func (l *Listener) SetUnlinkOnClose(unlink bool) {
	if l != nil {
		l.unlink.Store(unlink)
	}
}

// SetDeadline sets the deadline of Accept.
func (l *Listener) SetDeadline(t time.Time) error {
	if l == nil {
		return errNilSocket("set")
	}
	return l.SetReadDeadline(t)
}

// Shared makes l goroutine-safe, for good, and returns it as a net.Listener whose Accept
// returns shared connections: this is how a net/http Server, which accepts on one goroutine and
// serves each connection on a goroutine of its own, serves on a cooperative socket. Shared may
// be called from any goroutine (see Conn.Shared).
func (l *Listener) Shared() net.Listener {
	if l == nil {
		return failed{}
	}
	if err := l.share(); err != nil {
		return failed{s: &l.sock, cause: err, close: l.Close}
	}
	return l
}

var (
	somaxconnOnce sync.Once
	somaxconn     int
)

// maxListenerBacklog reads the kernel's accept-queue limit once.
// syscall.SOMAXCONN is the constant 128, far below the usual 4096: a burst
// of connects beyond it overflows the queue and each refused SYN costs the
// client a one-second retransmission.
func maxListenerBacklog() int {
	somaxconnOnce.Do(func() {
		somaxconn = syscall.SOMAXCONN
		b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
		if err != nil {
			return
		}
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			// listen(2) stores the backlog in a 16-bit field on older kernels.
			somaxconn = min(n, 1<<16-1)
		}
	})
	return somaxconn
}
