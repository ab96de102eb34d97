package socket

import (
	"net"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/cev"
)

// PacketConn is a datagram socket (UDP or unixgram): net.PacketConn, and net.Conn once
// connected by Dial.
type PacketConn struct {
	sock
}

var (
	_ net.PacketConn = (*PacketConn)(nil)
	_ net.Conn       = (*PacketConn)(nil)
)

// ListenPacket binds a datagram socket ("udp", "udp4", "udp6", "unixgram") to a local address.
func ListenPacket(network, address string) (*PacketConn, error) {
	var lc ListenConfig
	return lc.ListenPacket(network, address)
}

// ListenPacket binds a datagram socket with lc's options (ReusePort, NoReuseAddr).
func (lc *ListenConfig) ListenPacket(network, address string) (*PacketConn, error) {
	k, ra, sysfd, err := lc.open(network, address, true)
	if err != nil {
		return nil, err
	}
	fd := newFD(sysfd, ra.family, k.sotype, network)
	fd.laddr = localAddr(sysfd, k.sotype)
	if ra.family == syscall.AF_UNIX {
		fd.laddr = ra.addr
	}
	return &PacketConn{sock{fd}}, nil
}

// ReadFrom reads one datagram into b and returns its length and sender; a datagram longer than
// b is truncated, as recvfrom(2) does.
func (p *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	fd := p.fd
	if err := fd.check(); err != nil {
		return 0, nil, p.opErr("read", err)
	}
	if fd.r.expired() {
		return 0, nil, p.opErr("read", ErrTimeout)
	}
	for {
		n, sa, err := syscall.Recvfrom(fd.sysfd, b, 0)
		switch err {
		case nil:
			var from net.Addr
			if sa != nil {
				from = sockaddrToAddr(fd.sotype, sa)
			}
			return n, from, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := fd.wait(cev.EV_READ, time.Time{}, "socket recvfrom"); err != nil {
				return 0, nil, p.opErr("read", err)
			}
			continue
		}
		return 0, nil, p.opErr("read", wrapErrno("recvfrom", err))
	}
}

// WriteTo sends b as one datagram to addr.
func (p *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	fd := p.fd
	if err := fd.check(); err != nil {
		return 0, p.opErr("write", err)
	}
	if fd.w.expired() {
		return 0, p.opErr("write", ErrTimeout)
	}
	sa, err := addrToSockaddr(addr)
	if err != nil {
		return 0, p.opErr("write", err)
	}
	for {
		err := syscall.Sendto(fd.sysfd, b, 0, sa)
		switch err {
		case nil:
			return len(b), nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if err := fd.wait(cev.EV_WRITE, time.Time{}, "socket sendto"); err != nil {
				return 0, p.opErr("write", err)
			}
			continue
		}
		return 0, p.opErr("write", wrapErrno("sendto", err))
	}
}

// Read reads one datagram from the connected peer.
func (p *PacketConn) Read(b []byte) (int, error) {
	n, err := p.read(b)
	return n, p.opErr("read", err)
}

// Write sends b as one datagram to the connected peer.
func (p *PacketConn) Write(b []byte) (int, error) {
	n, err := p.write(b)
	return n, p.opErr("write", err)
}
