package socket

import (
	"net"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
)

// Dialer holds dial options; the zero value dials without a timeout.
type Dialer struct {
	// Timeout bounds the whole dial (name lookup included); 0 means none.
	Timeout time.Duration
	// LocalAddr is the local address to bind to (nil: any).
	LocalAddr net.Addr
}

// Dial connects to address on network (see package net for the forms): a stream network returns
// a *Conn, a datagram network a connected *PacketConn.
func Dial(network, address string) (net.Conn, error) {
	var d Dialer
	return d.Dial(network, address)
}

// DialTimeout is Dial that gives up after timeout.
func DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	d := Dialer{Timeout: timeout}
	return d.Dial(network, address)
}

// Dial connects to address, blocking only the calling greenlet while the connection is made.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	var deadline time.Time
	if d.Timeout > 0 {
		deadline = time.Now().Add(d.Timeout)
	}
	k, err := parseNetwork(network)
	if err != nil {
		return nil, opError("dial", network, nil, nil, err)
	}
	ra, err := resolve(k, network, address, false)
	if err != nil {
		return nil, opError("dial", network, d.LocalAddr, nil, err)
	}
	sysfd, err := syscall.Socket(ra.family, k.sotype|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, opError("dial", network, d.LocalAddr, ra.addr, wrapErrno("socket", err))
	}
	fd := newFD(sysfd, ra.family, k.sotype, network)
	fd.raddr = ra.addr
	fail := func(err error) (net.Conn, error) {
		_ = fd.close()
		return nil, opError("dial", network, d.LocalAddr, ra.addr, err)
	}
	if err := fd.check(); err != nil {
		return fail(err)
	}
	if d.LocalAddr != nil {
		lsa, err := addrToSockaddr(d.LocalAddr)
		if err != nil {
			return fail(err)
		}
		if err := syscall.Bind(sysfd, lsa); err != nil {
			return fail(wrapErrno("bind", err))
		}
	}
	if err := connect(fd, ra.sa, deadline); err != nil {
		return fail(err)
	}
	fd.laddr = localAddr(sysfd, k.sotype)
	if k.sotype == syscall.SOCK_DGRAM {
		return &PacketConn{sock{fd}}, nil
	}
	return newConn(fd), nil
}

// connect runs a non-blocking connect(2) to completion: on EINPROGRESS it waits for writability
// and reads the outcome from SO_ERROR.
func connect(fd *netFD, sa syscall.Sockaddr, deadline time.Time) error {
	err := syscall.Connect(fd.sysfd, sa)
	for err == syscall.EINTR {
		err = syscall.Connect(fd.sysfd, sa)
	}
	switch err {
	case nil, syscall.EISCONN:
		return nil
	case syscall.EINPROGRESS, syscall.EALREADY:
	default:
		return wrapErrno("connect", err)
	}
	for {
		if err := fd.wait(cev.EV_WRITE, deadline, "connect"); err != nil {
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
