package socket

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/scheduler"
)

// maxSendfile bounds one sendfile(2) call, as package net's does, and the chunk sent between two
// turns of the hub's other greenlets, so that a huge file does not hold the hub.
const maxSendfile = 4 << 20

// ReadFrom copies from r until EOF and returns how much it wrote (io.ReaderFrom, which io.Copy
// and io.CopyN use; gevent's socket.sendfile). From a regular file (an *os.File, also under
// *io.LimitedReader values) the kernel copies it with sendfile(2) from the file's current
// offset, which advances, waiting for room on the socket as Write does and letting the hub's
// other greenlets run between chunks of 4 MiB; sendfile reads the file in the hub's thread, as
// gevent's does, so a file not in the page cache holds the hub for the disk read. From any
// other reader, on a shared socket, and from the first chunk on which the socket's descriptor
// was found blocking (a process with a copy of it cleared O_NONBLOCK: sendfile would then block
// the hub), ReadFrom copies through a buffer with Write. Errors are Write's, r's, or for
// sendfile a *net.OpError with Op "readfrom", as is the error of a call refused before r is
// read (a zero or closed Conn, a plain goroutine's call on a Conn that is not shared, a hub
// callback's).
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if c == nil {
		return 0, errNilSocket("readfrom")
	}
	if r == nil {
		return 0, c.opErr("readfrom", errNilArg("reader"))
	}
	fd := c.fd
	switch {
	case fd == nil:
		return 0, c.opErr("readfrom", errZero)
	case fd.sh.Load() != nil:
		if fd.ref.isClosing() {
			return 0, c.opErr("readfrom", ErrClosed)
		}
		return io.Copy(writerOnly{c}, r)
	}
	// Refused before anything is read from r: a plain goroutine's call, a closed socket.
	if err := fd.checkWait(); err != nil {
		return 0, c.opErr("readfrom", err)
	}
	n, handled, err := c.sendFile(r)
	if handled {
		return n, c.opErr("readfrom", err)
	}
	m, err := io.Copy(writerOnly{c}, r)
	return n + m, err
}

// fileReader is what sendfile needs of a reader: an *os.File, or a type that keeps its methods,
// as the one os.File.WriteTo hands to io.Copy (io.Copy(c, f) asks the file first).
type fileReader interface {
	io.Reader
	Stat() (os.FileInfo, error)
	SyscallConn() (syscall.RawConn, error)
}

// writerOnly hides Conn's ReadFrom from io.Copy, which would call it again.
type writerOnly struct{ io.Writer }

// sendFile is ReadFrom's sendfile(2) path: handled is false when r is no regular file, when
// the kernel refused the first call (nothing was written), or when the socket was made blocking
// (see blocking; written then says how much went out before), and ReadFrom copies the rest
// instead. r may be a regular file under any number of *io.LimitedReader, each charged with what
// was sent.
func (c *Conn) sendFile(r io.Reader) (written int64, handled bool, err error) {
	remain := int64(1<<63 - 1)
	var limits []*io.LimitedReader
	for {
		lr, ok := r.(*io.LimitedReader)
		if !ok {
			break
		}
		limits = append(limits, lr)
		r, remain = lr.R, min(remain, lr.N)
	}
	if remain <= 0 {
		return 0, len(limits) > 0, nil
	}
	f, ok := r.(fileReader)
	if !ok {
		return 0, false, nil
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return 0, false, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	fd := c.fd
	eof, blocked := false, false
	// op sends one chunk of at most maxSendfile; ioPlain waits for room in between.
	op := func() error {
		for chunk := min(remain, maxSendfile); chunk > 0; {
			if blocking(fd.sysfd) {
				blocked = true
				return nil
			}
			n, err := sendfileOnce(rc, fd.sysfd, chunk)
			written += int64(n)
			remain -= int64(n)
			chunk -= int64(n)
			if err != nil {
				return err
			}
			if n == 0 { // the end of the file
				eof = true
				return nil
			}
		}
		return nil
	}
	for {
		err = fd.ioPlain(context.Background(), cev.EV_WRITE, "socket sendfile", op)
		if err != nil || eof || blocked || remain <= 0 {
			break
		}
		// A whole chunk went out without the socket filling up (a peer that keeps up): the
		// hub's other greenlets get their turn before the next, so a big file does not hold
		// the hub for all of its length.
		if err = scheduler.Sleep(context.Background(), 0); err != nil {
			break
		}
	}
	for _, lr := range limits {
		lr.N -= written
	}
	if written == 0 && (errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS)) {
		return 0, false, nil // a file sendfile cannot read: copy it instead
	}
	return written, !blocked, err
}

// blocking reports whether sysfd's O_NONBLOCK is cleared (or cannot be read): sendfile(2) has
// no MSG_DONTWAIT, and on a socket that a process sharing a copy of its descriptor made blocking
// it would block the hub's thread until the peer makes room, so ReadFrom copies with Write
// instead, whose send(2) never blocks. One fcntl(2) per sendfile(2).
func blocking(sysfd int) bool {
	fl, _, errno := syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(sysfd), syscall.F_GETFL, 0)
	return errno != 0 || fl&syscall.O_NONBLOCK == 0
}

// sendfileOnce is one sendfile(2) of up to count bytes from the file behind rc to sysfd, from
// and advancing the file's offset; the errno comes back bare for EAGAIN and EINTR (ioPlain's
// signals) and as an *os.SyscallError otherwise.
func sendfileOnce(rc syscall.RawConn, sysfd int, count int64) (int, error) {
	var n int
	var serr error
	if err := rc.Control(func(in uintptr) {
		n, serr = syscall.Sendfile(sysfd, int(in), nil, int(count))
	}); err != nil {
		return 0, badFile(err)
	}
	if n < 0 {
		n = 0
	}
	return n, wrapEAGAIN("sendfile", serr)
}
