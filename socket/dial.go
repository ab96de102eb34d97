package socket

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
)

// Dialer holds dial options; the zero value dials without a timeout, for the calling greenlet's
// hub.
type Dialer struct {
	// Timeout bounds the whole dial, name lookup included; 0 means none. With a context, the
	// earlier of the two ends the dial.
	Timeout time.Duration
	// LocalAddr is the local address to bind to (nil: any).
	LocalAddr net.Addr
	// Hub, when set, makes the dial return a shared (goroutine-safe) connection of that hub, and
	// lets any goroutine dial: a greenlet of Hub dials cooperatively, any other caller on its
	// own goroutine (a greenlet of another hub through scheduler.RunBlocking). When nil, the
	// connection belongs to the calling greenlet's hub and is hub-affine; outside a greenlet the
	// dial fails with scheduler.ErrNotGreenlet.
	Hub *scheduler.Hub
	// LookupHost, when set, resolves the host names of this Dialer's dials in place of the
	// package's LookupHost (as net.Dialer's Resolver does): a fixed table in a test, a resolver
	// of one's own. It is called as that one is, from the dialing greenlet or goroutine.
	LookupHost func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Dial connects to address on network (see package net for the forms) from a greenlet: a
// stream network returns a *Conn, a datagram network a connected *PacketConn.
func Dial(network, address string) (net.Conn, error) {
	var d Dialer
	return d.DialContext(context.Background(), network, address)
}

// DialTimeout is Dial that gives up after timeout, name lookup included.
func DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	d := Dialer{Timeout: timeout}
	return d.DialContext(context.Background(), network, address)
}

// Dial is DialContext with context.Background().
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects to address on network, blocking only the calling greenlet (or
// goroutine, with Hub set) while the name is looked up and the connection made. ctx bounds
// both: when it ends first the dial fails with a *net.OpError naming "dial" that wraps
// scheduler.ContextError's error (for a deadline, matching both context.DeadlineExceeded and
// scheduler.ErrTimeout).
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if d == nil {
		return nil, opError("dial", network, nil, nil, errNilArg("Dialer"))
	}
	if ctx == nil {
		return nil, opError("dial", network, d.LocalAddr, nil, errNilArg("context"))
	}
	if d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	cur := scheduler.CurrentHub()
	switch {
	case d.Hub == nil || cur == d.Hub:
		h := cur
		if err := h.CheckWait(); err != nil {
			return nil, opError("dial", network, d.LocalAddr, nil, err)
		}
		return d.dial(ctx, h, d.Hub != nil, network, address)
	case d.Hub.Destroyed():
		return nil, opError("dial", network, d.LocalAddr, nil, scheduler.ErrHubDestroyed)
	case cur == nil:
		return d.dial(ctx, d.Hub, true, network, address)
	case cur.InHub():
		return nil, opError("dial", network, d.LocalAddr, nil, scheduler.ErrNotGreenlet)
	}
	// A greenlet of another hub: dial on a goroutine while it waits cooperatively. The dial's
	// own error (own) is already its *net.OpError, with the remote address; only RunBlocking's
	// (a kill, ctx) is wrapped here, ctx's end as ContextError's error, not RunBlocking's.
	var own atomic.Pointer[net.OpError]
	c, err := runBlockingOwned(ctx, func() (net.Conn, error) {
		c, err := d.dial(ctx, d.Hub, true, network, address)
		if oe, ok := err.(*net.OpError); ok {
			own.Store(oe)
		}
		return c, err
	})
	if oe, ok := err.(*net.OpError); ok && oe == own.Load() {
		return nil, err
	}
	if err != nil {
		return nil, opError("dial", network, d.LocalAddr, nil, ctxCause(ctx, err))
	}
	return c, nil
}

// dial makes the connection for hub h; share makes it goroutine-safe. The caller is a greenlet
// of h, or a goroutine without a hub for a shared connection.
func (d *Dialer) dial(ctx context.Context, h *scheduler.Hub, share bool, network, address string) (net.Conn, error) {
	k, err := parseNetwork(network)
	if err != nil {
		return nil, opError("dial", network, nil, nil, err)
	}
	ra, err := resolve(ctx, k, network, address, false, d.LookupHost)
	if err != nil {
		return nil, opError("dial", network, d.LocalAddr, nil, ctxCause(ctx, err))
	}
	sysfd, err := syscall.Socket(ra.family, k.sotype|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, opError("dial", network, d.LocalAddr, ra.addr, wrapErrno("socket", err))
	}
	fd := newFD(h, sysfd, ra.family, k.sotype, network)
	fd.raddr = ra.addr
	onHub := h.OnHub()
	if share && !onHub {
		// The goroutine waits for the connect as a shared socket does.
		fd.share()
	}
	if err := d.connectHeld(ctx, fd, ra.sa); err != nil {
		_ = fd.Close()
		return nil, opError("dial", network, d.LocalAddr, ra.addr, ctxCause(ctx, err))
	}
	if share && onHub {
		fd.share()
	}
	if k.sotype == syscall.SOCK_DGRAM {
		return &PacketConn{sock{fd}}, nil
	}
	return newConn(fd), nil
}

// connectHeld is connect, then the read of the local address, holding a reference on fd: a
// shared socket's descriptor goes back when its hub is destroyed (share gives up, or the
// reaper closes it), and its number must not be reused under bind, connect, getsockopt and
// getsockname. A socket closed already fails with ErrClosed, and so does one whose hub was
// destroyed during the connect, as a shared socket's calls then do (the reaper closes it).
func (d *Dialer) connectHeld(ctx context.Context, fd *netFD, sa syscall.Sockaddr) error {
	if !fd.ref.incref() {
		return ErrClosed
	}
	defer fd.ref.decref()
	if err := d.connect(ctx, fd, sa); err != nil {
		return err
	}
	if fd.ref.isClosing() || fd.hub.Destroyed() {
		return ErrClosed
	}
	fd.laddr = localAddr(fd.sysfd, fd.sotype)
	return nil
}

// sysConnect is connect(2); a test ends the hub from it.
var sysConnect = syscall.Connect

// connect binds to d.LocalAddr if set and runs a non-blocking connect(2) to completion: on
// EINPROGRESS it waits for writability and reads the outcome from SO_ERROR.
func (d *Dialer) connect(ctx context.Context, fd *netFD, sa syscall.Sockaddr) error {
	if !nilAddr(d.LocalAddr) { // a nil *net.TCPAddr binds to nothing, as in package net
		lsa, err := addrToSockaddr(d.LocalAddr)
		if err != nil {
			return err
		}
		if err := syscall.Bind(fd.sysfd, lsa); err != nil {
			return wrapErrno("bind", err)
		}
	}
	err := sysConnect(fd.sysfd, sa)
	for err == syscall.EINTR {
		err = sysConnect(fd.sysfd, sa)
	}
	switch err {
	case nil, syscall.EISCONN:
		return nil
	case syscall.EINPROGRESS, syscall.EALREADY:
	default:
		return wrapErrno("connect", err)
	}
	for {
		if err := fd.waitConnect(ctx); err != nil {
			return err
		}
		v, err := syscall.GetsockoptInt(fd.sysfd, syscall.SOL_SOCKET, syscall.SO_ERROR)
		if err != nil {
			return wrapErrno("getsockopt", err)
		}
		switch e := syscall.Errno(v); e {
		case 0, syscall.EISCONN:
			return nil
		case syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
			continue
		default:
			return wrapErrno("connect", e)
		}
	}
}

// waitConnect waits for the socket to become writable, or ctx to end.
func (fd *netFD) waitConnect(ctx context.Context) error {
	if fd.sh.Load() == nil {
		return fd.wait(ctx, cev.EV_WRITE, time.Time{}, "connect")
	}
	return fd.waitConnectShared(ctx)
}

// ctxCause returns ContextError's error for a dial or listen that failed with ctx's end (decided
// by ctx itself, ctxwait.Ended: a lookup function may return ctx.Err() itself, the hub's timer may
// see the deadline an instant before ctx does, and the wait that saw it names itself), else err:
// a kill's error stays the kill's even when ctx ended too.
func ctxCause(ctx context.Context, err error) error {
	if ctxwait.Ended(ctx, err) {
		return ctxwait.Err(scheduler.ContextError(ctx), err)
	}
	return err
}
