package socket

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/geventgo/geventgo/scheduler"
)

// FileListener returns a Listener of the calling greenlet's hub on a copy of f's descriptor, a
// listening stream socket (gevent's socket(fileno=) and fromfd, package net's FileListener): a
// socket inherited from a parent process or handed over by a service manager. Closing the
// Listener does not close f, nor the other way round. The copy is made non-blocking, which also
// changes f's file status, as with package net. A descriptor that is not a socket fails with an
// error matching syscall.ENOTSOCK; a socket that is not listening, or not a stream one, with
// syscall.EINVAL.
func FileListener(f *os.File) (*Listener, error) {
	fd, err := fileFD(f, "FileListener", fileListenerKind)
	if err != nil {
		return nil, err
	}
	fd.listening = true
	return &Listener{sock: sock{fd}}, nil
}

// FileConn returns a Conn of the calling greenlet's hub on a copy of f's descriptor, a stream
// socket (TCP, or Unix "unix" or "unixpacket"), as package net's FileConn does; the rules of
// FileListener apply. A datagram socket fails with an error matching syscall.EINVAL: use
// FilePacketConn.
func FileConn(f *os.File) (*Conn, error) {
	fd, err := fileFD(f, "FileConn", fileConnKind)
	if err != nil {
		return nil, err
	}
	return newConn(fd), nil
}

// FilePacketConn returns a PacketConn of the calling greenlet's hub on a copy of f's descriptor,
// a datagram socket (UDP or "unixgram"); the rules of FileListener apply.
func FilePacketConn(f *os.File) (*PacketConn, error) {
	fd, err := fileFD(f, "FilePacketConn", filePacketKind)
	if err != nil {
		return nil, err
	}
	return &PacketConn{sock{fd}}, nil
}

// file is File: a close-on-exec copy of the socket's descriptor, made under a reference so that
// it never races with Close (the number could be reused by another open meanwhile). The copy
// stays non-blocking: a descriptor and its copies share their file status flags, and the
// hub's system calls must never block. os.NewFile keeps it so: the file's Fd does not make
// it blocking, as it does for package net's File.
func (s *sock) file() (*os.File, error) {
	fd := s.fd
	if fd == nil {
		return nil, s.opErr("file", errZero)
	}
	if !fd.ref.incref() {
		return nil, s.opErr("file", ErrClosed)
	}
	defer fd.ref.decref()
	r, err := dupCloexec(fd.sysfd)
	if err != nil {
		return nil, s.opErr("file", err)
	}
	return os.NewFile(uintptr(r), fd.fileName()), nil
}

// dupCloexec copies the descriptor fd, close-on-exec (fcntl F_DUPFD_CLOEXEC).
func dupCloexec(fd int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return -1, wrapErrno("fcntl", errno)
	}
	return int(r), nil
}

// fileName names File's file as package net does: "network:local->remote".
func (fd *netFD) fileName() string {
	var local, remote string
	if fd.laddr != nil {
		local = fd.laddr.String()
	}
	if fd.raddr != nil {
		remote = fd.raddr.String()
	}
	return fd.network + ":" + local + "->" + remote
}

// fileKind says which sockets a File function takes.
type fileKind int

const (
	fileListenerKind fileKind = iota // a listening stream socket
	fileConnKind                     // a stream socket that is not listening
	filePacketKind                   // a datagram socket
)

func (k fileKind) String() string {
	switch k {
	case fileListenerKind:
		return "a listening stream socket"
	case fileConnKind:
		return "a stream socket that is not listening"
	}
	return "a datagram socket"
}

// fileFD checks the caller, copies f's descriptor, checks it is a socket of kind and returns
// the netFD on the copy. Errors are *net.OpError values with Op "file" and f's name, as
// package net's; a socket of another kind names fn.
func fileFD(f *os.File, fn string, kind fileKind) (*netFD, error) {
	fail := func(err error) (*netFD, error) {
		var addr net.Addr
		if f != nil {
			addr = fileAddr(f.Name())
		}
		return nil, opError("file", "file+net", nil, addr, err)
	}
	if f == nil {
		return fail(errNilArg("file"))
	}
	h := scheduler.CurrentHub()
	if err := h.Check(); err != nil {
		return fail(err)
	}
	family, sotype, err := fileSocketType(f, kind)
	if errors.Is(err, errKind) {
		return fail(fmt.Errorf("%s takes %s: %w", fn, kind, syscall.EINVAL))
	}
	if err != nil {
		return fail(err)
	}
	sysfd, err := dupNonblock(f)
	if err != nil {
		return fail(err)
	}
	network := fileNetwork(family, sotype)
	fd := newFD(h, sysfd, family, sotype, network)
	fd.laddr = localAddr(sysfd, sotype)
	if kind != fileListenerKind {
		if sa, err := syscall.Getpeername(sysfd); err == nil {
			fd.raddr = sockaddrToAddr(sotype, sa)
		}
	}
	return fd, nil
}

// errKind is fileSocketType's error for a socket of another kind.
var errKind = errors.New("socket of another kind")

// fileSocketType returns the family and type of the socket behind f, or why it is not one of
// kind: getsockopt's ENOTSOCK for a file that is no socket, errKind for a socket of another
// kind.
func fileSocketType(f *os.File, kind fileKind) (family, sotype int, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, 0, badFile(err)
	}
	var listening int
	ctlErr := rc.Control(func(fd uintptr) {
		if sotype, err = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TYPE); err != nil {
			return
		}
		if family, err = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_DOMAIN); err != nil {
			return
		}
		listening, err = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN)
	})
	err = wrapErrno("getsockopt", err)
	if ctlErr != nil {
		return 0, 0, badFile(ctlErr)
	}
	if err != nil {
		return 0, 0, err
	}
	if !fileKindFits(kind, family, sotype, listening != 0) {
		return 0, 0, errKind
	}
	return family, sotype, nil
}

// fileKindFits reports whether a socket of family and sotype, listening or not, is of kind.
func fileKindFits(kind fileKind, family, sotype int, listening bool) bool {
	switch family {
	case syscall.AF_INET, syscall.AF_INET6, syscall.AF_UNIX:
	default:
		return false
	}
	stream := sotype == syscall.SOCK_STREAM || sotype == syscall.SOCK_SEQPACKET && family == syscall.AF_UNIX
	switch kind {
	case fileListenerKind:
		return stream && listening
	case fileConnKind:
		return stream && !listening
	}
	return sotype == syscall.SOCK_DGRAM
}

// dupNonblock copies f's descriptor (close-on-exec) and makes the copy non-blocking.
func dupNonblock(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, badFile(err)
	}
	sysfd := -1
	var dupErr error
	ctlErr := rc.Control(func(fd uintptr) { sysfd, dupErr = dupCloexec(int(fd)) })
	if ctlErr != nil {
		return -1, badFile(ctlErr)
	}
	if dupErr != nil {
		return -1, dupErr
	}
	if err := syscall.SetNonblock(sysfd, true); err != nil {
		syscall.Close(sysfd)
		return -1, wrapErrno("fcntl", err)
	}
	return sysfd, nil
}

// badFile is the error of a file whose descriptor cannot be reached (a closed file): EBADF, as
// package net's File functions give, with os's reason.
func badFile(err error) error { return fmt.Errorf("%w (%w)", syscall.EBADF, err) }

// fileNetwork names a socket's network as package net does ("tcp", "udp", "unix", ...).
func fileNetwork(family, sotype int) string {
	if family == syscall.AF_UNIX {
		return unixNetwork(sotype)
	}
	if sotype == syscall.SOCK_DGRAM {
		return "udp"
	}
	return "tcp"
}

// fileAddr is the address of a File function's error: the file's name, as package net gives.
type fileAddr string

func (fileAddr) Network() string  { return "file+net" }
func (f fileAddr) String() string { return string(f) }
