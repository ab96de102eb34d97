package socket

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
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
}

// Listen announces on a local address for stream networks ("tcp", "tcp4", "tcp6", "unix",
// "unixpacket") with a default ListenConfig.
func Listen(network, address string) (*Listener, error) {
	var lc ListenConfig
	return lc.Listen(network, address)
}

// Listen announces on a local address. Port 0 picks a free port; LocalAddr tells which.
func (lc *ListenConfig) Listen(network, address string) (*Listener, error) {
	k, ra, sysfd, err := lc.open(network, address, false)
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
	fd := newFD(sysfd, ra.family, k.sotype, network)
	fd.laddr = localAddr(sysfd, k.sotype)
	if k.family == syscall.AF_UNIX || ra.family == syscall.AF_UNIX {
		fd.laddr = ra.addr
	}
	return &Listener{sock: sock{fd}}, nil
}

// open parses network (a datagram one when datagram is set, a stream one
// otherwise), resolves address and binds a new socket to it, for Listen and
// ListenPacket; errors are the *net.OpError they return.
func (lc *ListenConfig) open(network, address string, datagram bool) (netKind, resolved, int, error) {
	k, err := parseNetwork(network)
	if err == nil && (k.sotype == syscall.SOCK_DGRAM) != datagram {
		err = net.UnknownNetworkError(network)
	}
	if err != nil {
		return k, resolved{}, -1, opError("listen", network, nil, nil, err)
	}
	ra, err := resolve(k, network, address, true)
	if err != nil {
		return k, ra, -1, opError("listen", network, nil, nil, err)
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
// greenlet.
type Listener struct {
	sock
	delay time.Duration // current back-off after EMFILE; 0 when accepting normally
}

var _ net.Listener = (*Listener)(nil)

// Addr returns the listening address.
func (l *Listener) Addr() net.Addr { return l.fd.laddr }

// Accept waits for the next connection and returns it as a *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptConn()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptConn is Accept returning the concrete type. When the process runs out of descriptors
// (EMFILE, ENFILE, ENOBUFS, ENOMEM) it does not spin: it sleeps, doubling the delay from 10 ms to
// 1 s, and tries again, as gevent's StreamServer does; the read deadline and Close still end it.
func (l *Listener) AcceptConn() (*Conn, error) {
	fd := l.fd
	if err := fd.check(); err != nil {
		return nil, l.opErr("accept", err)
	}
	if fd.r.expired() {
		return nil, l.opErr("accept", ErrTimeout)
	}
	for {
		nfd, sa, err := syscall.Accept4(fd.sysfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err == nil {
			l.delay = 0
			cfd := newFD(nfd, fd.family, fd.sotype, fd.network)
			cfd.laddr = localAddr(nfd, fd.sotype)
			cfd.raddr = sockaddrToAddr(fd.sotype, sa)
			if fd.family == syscall.AF_UNIX {
				cfd.laddr = fd.laddr
			}
			return newConn(cfd), nil
		}
		switch {
		case err == syscall.EINTR || err == syscall.ECONNABORTED:
			continue
		case err == syscall.EAGAIN:
			if err := fd.wait(cev.EV_READ, time.Time{}, "accept"); err != nil {
				return nil, l.opErr("accept", err)
			}
			continue
		case errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
			errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM):
			l.delay = min(max(2*l.delay, acceptMinDelay), acceptMaxDelay)
			if l.delay == acceptMinDelay {
				fd.hub.HandleError(l.opErr("accept", os.NewSyscallError("accept4", err)))
			}
			if err := fd.sleep(l.delay, "accept back-off"); err != nil {
				return nil, l.opErr("accept", err)
			}
			continue
		}
		return nil, l.opErr("accept", wrapErrno("accept4", err))
	}
}

// SetDeadline sets the deadline of Accept.
func (l *Listener) SetDeadline(t time.Time) error { return l.SetReadDeadline(t) }

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
