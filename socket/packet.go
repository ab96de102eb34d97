package socket

import (
	"context"
	"net"
	"sync"
	"syscall"

	"github.com/geventgo/geventgo/cev"
)

// PacketConn is a datagram socket (UDP or unixgram): net.PacketConn, and net.Conn once
// connected by Dial. Like Conn it is hub-affine until Shared; the zero PacketConn fails every
// call with an error matching ErrBadFD and net.ErrClosed.
type PacketConn struct {
	sock
}

var (
	_ net.PacketConn = (*PacketConn)(nil)
	_ net.Conn       = (*PacketConn)(nil)
)

// ListenPacket binds a datagram socket ("udp", "udp4", "udp6", "unixgram") to a local address,
// for the calling greenlet's hub.
func ListenPacket(network, address string) (*PacketConn, error) {
	var lc ListenConfig
	return lc.ListenPacket(context.Background(), network, address)
}

// ListenPacket binds a datagram socket with lc's options (ReusePort, NoReuseAddr, Hub); ctx
// bounds the name lookup of a host name.
func (lc *ListenConfig) ListenPacket(ctx context.Context, network, address string) (*PacketConn, error) {
	h, share, err := lc.hub(ctx, network)
	if err != nil {
		return nil, err
	}
	k, ra, sysfd, err := lc.open(ctx, network, address, true)
	if err != nil {
		return nil, err
	}
	fd := newFD(h, sysfd, ra.family, k.sotype, network)
	fd.laddr = localAddr(sysfd, k.sotype)
	if ra.family == syscall.AF_UNIX && address != "" { // "": autobound, getsockname names it
		fd.laddr = ra.addr
	}
	if share {
		fd.share()
	}
	return &PacketConn{sock{fd}}, nil
}

// ReadFrom reads one datagram into b and returns its length and sender; a datagram longer than
// b is truncated without an error, as package net's ReadFrom does (ReadDatagram reads one
// whole).
func (p *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	if p == nil {
		return 0, nil, errNilSocket("read")
	}
	fd := p.fd
	switch {
	case fd == nil:
		return 0, nil, p.opErr("read", errZero)
	case fd.offload():
		// Into a buffer of the goroutine's: a greenlet that gives up first may reuse b at once
		// (the datagram the goroutine then receives is kept for the next receive).
		n, from, err := fd.recvFromOffloaded(b)
		return n, from, p.opErr("read", err)
	case fd.sh.Load() != nil:
		n, from, err := fd.recvShared(b)
		return n, from, p.opErr("read", err)
	}
	var n int
	var sa syscall.Sockaddr
	op := func() error {
		var err error
		n, sa, err = syscall.Recvfrom(fd.sysfd, b, syscall.MSG_DONTWAIT)
		return wrapEAGAIN("recvfrom", err)
	}
	if err := p.io(dirRead, "socket recvfrom", op); err != nil {
		return 0, nil, p.opErr("read", err)
	}
	return n, fd.sender(sa), nil
}

// maxUDP is the largest UDP payload (65535 less the headers, rounded up): the buffer a UDP
// datagram is read through by ReadDatagram.
const maxUDP = 65535

var udpBufs = sync.Pool{New: func() any { return new([maxUDP]byte) }}

// ReadDatagram reads the next datagram whole into a new slice of its length, which the caller
// owns, and returns it with its sender (nil for an unnamed unix sender). Unlike ReadFrom, which
// like package net's truncates a datagram longer than its buffer without saying so, it never
// cuts one: a unix datagram, which may be far longer than 64 KiB, has its length read first
// (recvfrom with MSG_PEEK|MSG_TRUNC, one more system call per datagram); a UDP one is read
// through a buffer of the largest UDP payload and copied.
func (p *PacketConn) ReadDatagram() ([]byte, net.Addr, error) {
	if p == nil {
		return nil, nil, errNilSocket("read")
	}
	fd := p.fd
	switch {
	case fd == nil:
		return nil, nil, p.opErr("read", errZero)
	case fd.offload():
		h, err := fd.recvOffloaded(0)
		if h == nil {
			return nil, nil, p.opErr("read", err)
		}
		return h.data, h.from, p.opErr("read", err)
	case fd.sh.Load() != nil:
		data, from, err := fd.recvWholeShared()
		return data, from, p.opErr("read", err)
	}
	var data []byte
	var sa syscall.Sockaddr
	op := func() error {
		var err error
		data, sa, err = recvWhole(fd.sysfd, fd.family == syscall.AF_UNIX)
		return wrapEAGAIN("recvfrom", err)
	}
	if err := p.io(dirRead, "socket recvfrom", op); err != nil {
		return nil, nil, p.opErr("read", err)
	}
	return data, fd.sender(sa), nil
}

// recvWhole receives the next datagram of sysfd whole: at its own length for a unix socket,
// through a buffer of the largest UDP payload otherwise.
func recvWhole(sysfd int, unix bool) ([]byte, syscall.Sockaddr, error) {
	if unix {
		n, _, err := syscall.Recvfrom(sysfd, nil, syscall.MSG_PEEK|syscall.MSG_TRUNC|syscall.MSG_DONTWAIT)
		if err != nil {
			return nil, nil, err
		}
		data := make([]byte, n)
		n, sa, err := syscall.Recvfrom(sysfd, data, syscall.MSG_DONTWAIT)
		return data[:n], sa, err
	}
	buf := udpBufs.Get().(*[maxUDP]byte)
	defer udpBufs.Put(buf)
	n, sa, err := syscall.Recvfrom(sysfd, buf[:], syscall.MSG_DONTWAIT)
	if err != nil {
		return nil, nil, err
	}
	return append([]byte(nil), buf[:n]...), sa, nil
}

// WriteTo sends b as one datagram to addr; a nil addr (or a nil *net.UDPAddr, *net.UnixAddr)
// fails with an error matching scheduler.ErrNilArgument.
func (p *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if p == nil {
		return 0, errNilSocket("write")
	}
	if p.fd.offload() {
		n, err := writeOffloaded(b, func(cp []byte) (int, error) { return p.WriteTo(cp, addr) })
		return n, p.opErr("write", err)
	}
	if p.fd == nil {
		return 0, p.opErr("write", errZero)
	}
	sa, err := addrToSockaddr(addr)
	if err != nil {
		return 0, p.opErr("write", err)
	}
	sysfd := p.fd.sysfd
	op := func() error { return wrapEAGAIN("sendto", syscall.Sendto(sysfd, b, syscall.MSG_DONTWAIT, sa)) }
	if err := p.io(dirWrite, "socket sendto", op); err != nil {
		return 0, p.opErr("write", err)
	}
	return len(b), nil
}

// io runs op in direction dir: for a goroutine of a shared socket, else for a greenlet of its
// hub.
func (p *PacketConn) io(dir int, label string, op func() error) error {
	fd := p.fd
	if fd.sh.Load() != nil {
		return fd.ioShared(dir, op)
	}
	if err := fd.checkWait(); err != nil {
		return err
	}
	ev := cev.EV_READ
	if dir == dirWrite {
		ev = cev.EV_WRITE
	}
	return fd.ioPlain(context.Background(), ev, label, op)
}

// Read reads one datagram from the connected peer; a datagram longer than b is truncated without
// an error, as package net's Read does.
func (p *PacketConn) Read(b []byte) (int, error) {
	if p == nil {
		return 0, errNilSocket("read")
	}
	if p.fd.offload() {
		n, err := p.fd.readOffloaded(b)
		return n, p.opErr("read", err)
	}
	n, err := p.read(b)
	return n, p.opErr("read", err)
}

// Write sends b as one datagram to the connected peer.
func (p *PacketConn) Write(b []byte) (int, error) {
	if p == nil {
		return 0, errNilSocket("write")
	}
	if p.fd.offload() {
		n, err := writeOffloaded(b, p.write)
		return n, p.opErr("write", err)
	}
	n, err := p.write(b)
	return n, p.opErr("write", err)
}

// Shared makes p goroutine-safe, for good, and returns it as a net.PacketConn (see
// Conn.Shared).
func (p *PacketConn) Shared() net.PacketConn {
	if p == nil {
		return failed{}
	}
	if err := p.share(); err != nil {
		return failed{s: &p.sock, cause: err, close: p.Close}
	}
	return p
}
