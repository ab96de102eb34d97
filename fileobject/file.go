package fileobject

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
)

// mode is how a File waits: on the hub's libev loop, or on the thread pool.
type mode uint8

const (
	modePoll   mode = iota + 1 // non-blocking fd, io watchers (gevent's FileObjectPosix)
	modeThread                 // blocking calls on threadpool workers (gevent's FileObjectThread)
)

// File is a cooperative io.Reader, io.Writer, io.Seeker and io.Closer over an *os.File: a Read
// or Write that would block parks only the calling greenlet. See the package doc for the two modes and
// the contracts.
type File struct {
	b       scheduler.Binding
	f       *os.File // kept alive (its finalizer would close the fd) and closed by Close
	rc      syscall.RawConn
	fd      int
	name    string
	mode    mode
	restore int // the file status flags to put back before close(2); -1: nothing to restore
	// regular: thread mode, a regular file: a Write after a read ahead puts its offset back, and
	// only its Truncate and Stat wait for the writes on a worker.
	regular bool
	noSeek  bool // thread mode: lseek fails with ESPIPE (pipe, FIFO, socket, tty): so does Seek, at once
	fifo    bool // poll mode: a pipe or FIFO, which a read returning less than asked emptied

	closing   atomic.Bool
	closeOnce sync.Once
	closeErr  error
	done      chan struct{} // closed once close(2) ran

	r, w side // hub-owned: only greenlets of the bound hub touch them
	// c is the side of Seek, Truncate and Stat in thread mode (hub-owned), and ctlCall the
	// name of its call ("seek", "truncate", "stat").
	c       side
	ctlCall string
}

// New takes f over as a cooperative File and returns it. A pollable descriptor (pipe, FIFO,
// tty, socket, eventfd, character device with a poll method) is put in non-blocking mode and
// waited on with the hub's io watchers; Close puts the flag back as it found it before closing
// f. A descriptor epoll refuses (regular file, directory, /dev/null) goes to the thread pool, as
// with NewThread. From now on f belongs to the File: do not use it, and do not call its Fd
// (which turns the descriptor back to blocking). New does not block and may be called from any
// goroutine: the File binds to the hub of the first greenlet that uses it.
func New(f *os.File) (*File, error) {
	return adopt("New", f, askEpoll, true)
}

// NewThread takes f over as a File whose reads and writes run on the calling hub's thread pool
// (threadpool.Default), whatever the descriptor (gevent's FileObjectThread). Its flags are left
// alone. Use it to force the thread pool; New picks it by itself for files epoll refuses.
func NewThread(f *os.File) (*File, error) {
	return adopt("NewThread", f, useThread, true)
}

// NewFD takes ownership of the open descriptor fd, as os.NewFile does, and returns it as a File
// (New's rules). A descriptor that is not open fails with ErrBadFD and is not touched; on any
// error fd stays the caller's.
func NewFD(fd int) (*File, error) {
	if fd < 0 {
		return nil, &Error{Op: "NewFD", Err: fmt.Errorf("fd %d: %w", fd, ErrBadFD)}
	}
	if _, err := fcntl(fd, syscall.F_GETFD, 0); err != nil {
		return nil, &Error{Op: "NewFD", Err: fmt.Errorf("fd %d: %w", fd, ErrBadFD)}
	}
	name := "fd " + strconv.Itoa(fd)
	// What can fail is asked of the bare descriptor, before an *os.File owns it: one dropped on
	// an error would close fd from its finalizer, behind the caller's back. (fcntl F_SETFL, all
	// that adopt has left to do that could fail, does not on an open descriptor.)
	ok, err := pollable(fd)
	if err != nil {
		return nil, &Error{Op: "NewFD", Path: name, Err: os.NewSyscallError("epoll_ctl", err)}
	}
	how := usePoll // decided here: adopt asks epoll nothing more, which could fail
	if !ok {
		how = useThread
	}
	return adopt("NewFD", os.NewFile(uintptr(fd), name), how, true)
}

// Pipe returns a connected pair of cooperative Files, like os.Pipe: reads from r return bytes
// written to w. Both ends are close-on-exec and non-blocking, and known to the hub only.
func Pipe() (r, w *File, err error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, &Error{Op: "Pipe", Err: os.NewSyscallError("pipe2", err)}
	}
	// Blocking fds: os.NewFile then keeps them out of the runtime's poller, and adopt sets
	// O_NONBLOCK for the hub. Nothing else shares these descriptions: no flag to put back.
	rf, wf := os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1")
	if r, err = adopt("Pipe", rf, askEpoll, false); err == nil {
		if w, err = adopt("Pipe", wf, askEpoll, false); err == nil {
			return r, w, nil
		}
		_ = r.Close()
		_ = wf.Close()
		return nil, nil, err
	}
	_ = rf.Close()
	_ = wf.Close()
	return nil, nil, err
}

// modeChoice is how adopt picks a File's mode.
type modeChoice int

const (
	askEpoll  modeChoice = iota // poll mode if epoll takes the descriptor, else thread mode
	useThread                   // thread mode
	usePoll                     // poll mode: the caller asked epoll already
)

// adopt builds the File for f: thread mode when chosen or when epoll refuses the descriptor,
// else poll mode with O_NONBLOCK set (and, with restore, the old flags kept for Close).
func adopt(op string, f *os.File, how modeChoice, restore bool) (*File, error) {
	if f == nil {
		return nil, &Error{Op: op, Err: errNilArg("*os.File")}
	}
	file := &File{f: f, name: f.Name(), restore: -1, done: make(chan struct{})}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, &Error{Op: op, Path: file.name, Err: err}
	}
	file.rc = rc
	var setupErr error
	if err := rc.Control(func(u uintptr) { setupErr = file.setup(int(u), how, restore) }); err != nil {
		return nil, &Error{Op: op, Path: file.name, Err: ErrClosed}
	}
	if setupErr != nil {
		return nil, &Error{Op: op, Path: file.name, Err: setupErr}
	}
	file.r.init(file, sysRead, "read "+file.name)
	file.w.init(file, sysWrite, "write "+file.name)
	file.c.init(file, nil, "seek/truncate/stat "+file.name)
	return file, nil
}

// setup decides the mode of the File for descriptor fd and prepares it.
func (f *File) setup(fd int, how modeChoice, restore bool) error {
	f.fd = fd
	thread := how == useThread
	if how == askEpoll {
		ok, err := pollable(fd)
		if err != nil {
			return os.NewSyscallError("epoll_ctl", err)
		}
		thread = !ok
	}
	if thread {
		f.mode = modeThread
		var st syscall.Stat_t
		f.regular = syscall.Fstat(fd, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG
		// Python's FileIO.seekable asks the same way: lseek(fd, 0, SEEK_CUR) moves nothing, and
		// fails with ESPIPE exactly where every Seek would.
		_, err := syscall.Seek(fd, 0, io.SeekCurrent)
		f.noSeek = err == syscall.ESPIPE
		return nil
	}
	f.mode = modePoll
	var st syscall.Stat_t
	f.fifo = syscall.Fstat(fd, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFIFO
	flags, err := fcntl(fd, syscall.F_GETFL, 0)
	if err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	if flags&syscall.O_NONBLOCK != 0 {
		return nil
	}
	if _, err := fcntl(fd, syscall.F_SETFL, flags|syscall.O_NONBLOCK); err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	if restore {
		f.restore = flags
	}
	return nil
}

// Name returns the name of the file ("" for a zero File).
func (f *File) Name() string {
	if f == nil {
		return ""
	}
	return f.name
}

// Fd returns the File's descriptor, -1 for a zero File. It stays owned by the File: do not close
// it, and do not change its flags. Goroutine-safe.
func (f *File) Fd() int {
	if f == nil || f.f == nil {
		return -1
	}
	return f.fd
}

// Threaded reports whether the File's reads and writes run on the thread pool (NewThread, or a
// descriptor epoll refuses) rather than on the hub's io watchers.
func (f *File) Threaded() bool { return f != nil && f.mode == modeThread }

// Read reads up to len(p) bytes into p, parking only the calling greenlet until some are there
// (io.Reader): it returns io.EOF at the end of the file, or when the writing end of a pipe is
// closed and its data was read. See ReadContext.
func (f *File) Read(p []byte) (int, error) {
	return f.read("File.Read", context.Background(), p)
}

// ReadContext is Read bounded by ctx too: when ctx ends first it returns an
// *Error naming it that wraps scheduler.ContextError's error.
func (f *File) ReadContext(ctx context.Context, p []byte) (int, error) {
	return f.read("File.ReadContext", ctx, p)
}

func (f *File) read(op string, ctx context.Context, p []byte) (int, error) {
	h, err := f.checkWait(op, ctx)
	if err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	if f.mode == modeThread {
		n, err = f.r.threadRead(ctx, h, p)
	} else {
		n, err = f.r.pollRead(ctx, h, p)
	}
	return n, f.waitErr(op, ctx, err)
}

// Write writes all of p, parking only the calling greenlet while the descriptor cannot take more
// (io.Writer): it returns len(p) and nil, or how much was written and why it stopped. A write to
// a pipe whose reading end is closed fails with syscall.EPIPE. See WriteContext.
func (f *File) Write(p []byte) (int, error) {
	return f.write("File.Write", context.Background(), p)
}

// WriteContext is Write bounded by ctx too: when ctx ends first it returns what was written
// and an *Error naming it that wraps scheduler.ContextError's error.
func (f *File) WriteContext(ctx context.Context, p []byte) (int, error) {
	return f.write("File.WriteContext", ctx, p)
}

func (f *File) write(op string, ctx context.Context, p []byte) (int, error) {
	h, err := f.checkWait(op, ctx)
	if err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	if f.mode == modeThread {
		n, err = f.w.threadWrite(ctx, h, p)
	} else {
		n, err = f.w.pollWrite(ctx, h, p)
	}
	return n, f.waitErr(op, ctx, err)
}

// WriteString is Write of a string (io.StringWriter).
func (f *File) WriteString(s string) (int, error) {
	return f.write("File.WriteString", context.Background(), []byte(s))
}

// checkWait is the preamble of a blocking call: the File, ctx and the caller may wait.
func (f *File) checkWait(op string, ctx context.Context) (*scheduler.Hub, error) {
	if f == nil || f.f == nil {
		return nil, &Error{Op: op, Err: errZero}
	}
	if ctx == nil {
		return nil, &Error{Op: op, Path: f.name, Err: errNilArg("context")}
	}
	h, err := f.b.CheckWait()
	if err != nil {
		return nil, &Error{Op: op, Path: f.name, Err: err}
	}
	if f.closing.Load() {
		return nil, &Error{Op: op, Path: f.name, Err: ErrClosed}
	}
	return h, nil
}

// waitErr is opErr for a call bounded by ctx: the end of ctx (decided by ctx itself:
// ctxwait.Ended) wraps scheduler.ContextError's error, not that of the wait that saw it.
func (f *File) waitErr(op string, ctx context.Context, err error) error {
	if err != nil && err != io.EOF && ctxwait.Ended(ctx, err) {
		err = ctxwait.Err(scheduler.ContextError(ctx), err)
	}
	return f.opErr(op, err)
}

// opErr wraps a failure of op in *Error; io.EOF stays bare, as io.Reader callers compare it.
func (f *File) opErr(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &Error{Op: op, Path: f.name, Err: err}
}

// SetDeadline sets the read and write deadlines, as *os.File's: after it a Read or Write fails
// with an error matching ErrTimeout (os.ErrDeadlineExceeded) instead of waiting; the zero time
// means none. A greenlet waiting on the File now sees the new deadline at once. Hub-affine.
func (f *File) SetDeadline(t time.Time) error {
	return f.setDeadline("File.SetDeadline", t, true, true)
}

// SetReadDeadline sets the deadline of reads; see SetDeadline.
func (f *File) SetReadDeadline(t time.Time) error {
	return f.setDeadline("File.SetReadDeadline", t, true, false)
}

// SetWriteDeadline sets the deadline of writes; see SetDeadline.
func (f *File) SetWriteDeadline(t time.Time) error {
	return f.setDeadline("File.SetWriteDeadline", t, false, true)
}

func (f *File) setDeadline(op string, t time.Time, read, write bool) error {
	if f == nil || f.f == nil {
		return &Error{Op: op, Err: errZero}
	}
	h, err := f.b.Check()
	if err != nil {
		return &Error{Op: op, Path: f.name, Err: err}
	}
	if f.closing.Load() {
		return &Error{Op: op, Path: f.name, Err: ErrClosed}
	}
	if read {
		if err := f.r.setDeadline(h, t); err != nil {
			return &Error{Op: op, Path: f.name, Err: err}
		}
	}
	if write {
		if err := f.w.setDeadline(h, t); err != nil {
			return &Error{Op: op, Path: f.name, Err: err}
		}
	}
	return nil
}

// Close wakes every greenlet blocked on the File with an error matching ErrClosed, frees its io
// watchers, puts back the descriptor's flags if New changed them, and closes the *os.File; a
// second Close returns an error matching ErrClosed. Goroutine-safe: from a goroutine that is
// not a greenlet of the File's hub it hands the work to the hub and returns once the descriptor
// is closed (or closes it itself if the hub is destroyed first). A greenlet of another hub waits
// parked, its hub running on; if it is killed or times out meanwhile, Close returns that error
// and the close completes without it.
func (f *File) Close() error {
	if f == nil || f.f == nil {
		return &Error{Op: "File.Close", Err: errZero}
	}
	if !f.closing.CompareAndSwap(false, true) {
		return &Error{Op: "File.Close", Path: f.name, Err: ErrClosed}
	}
	// Every wait checks closing after binding, so a hub that binds after this read sees it.
	h := f.b.Hub()
	switch {
	case h == nil:
		f.finish()
	case h.OnHub():
		f.teardown(h)
	default:
		if err := h.Post(func() { f.teardown(h) }); err != nil {
			f.finish()
		}
		if err := f.awaitTeardown(h); err != nil {
			return &Error{Op: "File.Close", Path: f.name, Err: err}
		}
	}
	<-f.done
	if f.closeErr != nil {
		return &Error{Op: "File.Close", Path: f.name, Err: f.closeErr}
	}
	return nil
}

// awaitTeardown waits until the descriptor is closed, after Close posted the teardown to the
// File's hub h (or closed it itself). A greenlet of another hub parks (scheduler.RunBlocking)
// instead of blocking its hub's thread, which may have a teardown of its own to run, posted by a
// Close that h runs now; killed meanwhile, it returns the kill's error and the close completes
// without it. A plain goroutine or a hub callback blocks.
func (f *File) awaitTeardown(h *scheduler.Hub) error {
	wait := func() (struct{}, error) {
		select {
		case <-f.done:
		case <-h.Done():
			// Functions still queued at Destroy never run, and the loop polls no more.
			f.finish()
		}
		return struct{}{}, nil
	}
	if cur := scheduler.CurrentHub(); cur != nil && cur.CheckWait() == nil {
		_, err := scheduler.RunBlocking(context.Background(), wait)
		return err
	}
	_, _ = wait()
	return nil
}

// teardown runs on hub h once the File is closing: the watchers go before the descriptor (libev
// must never poll a closed fd), then the waiting greenlets are woken.
func (f *File) teardown(h *scheduler.Hub) {
	f.r.free(h)
	f.w.free(h)
	f.c.free(h)
	f.finish()
	wake := func() {
		f.r.fire(revClosed)
		f.w.fire(revClosed)
		f.c.fire(revClosed)
	}
	if h.InHub() {
		wake()
		return
	}
	// A greenlet may not switch into another: the hub wakes them.
	_, _ = h.RunCallback(wake) // teardown runs on h (Close): cannot be refused
}

// finish puts the flags back and closes the *os.File, once. os.File's own reference count
// defers close(2) until a system call in progress (ours run inside RawConn.Control, the thread
// pool's inside os.File's Read and Write) has returned.
func (f *File) finish() {
	f.closeOnce.Do(func() {
		if f.restore >= 0 {
			_ = f.rc.Control(func(u uintptr) { _, _ = fcntl(int(u), syscall.F_SETFL, f.restore) })
		}
		if err := f.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			f.closeErr = sysErr("close", err)
		}
		close(f.done)
	})
}
