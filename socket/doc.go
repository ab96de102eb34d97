// Package socket gives greenlets cooperative TCP, UDP and Unix sockets (gevent.socket's place):
// non-blocking file descriptors waited on with the hub's libev io watchers, behind net.Conn,
// net.Listener and net.PacketConn. A read that would block parks only the calling greenlet, so
// ordinary Go code written against net.Conn (bufio, io.Copy, encoding/json) runs cooperatively
// in greenlets; Shared makes a socket usable from plain goroutines too, with package net's rules.
//
// # Who may call what, from where
//
// A socket belongs to the hub it was made on: Dial, Listen, ListenPacket, Socketpair and the File
// functions (FileListener, FileConn, FilePacketConn: a copy of an inherited descriptor) make it
// for the calling greenlet's hub (outside a greenlet they fail with scheduler.ErrNotGreenlet;
// nothing creates a hub), Accept for the listener's hub. Its methods are for greenlets of that
// hub; from any other goroutine they return an error matching scheduler.ErrNotGreenlet and
// change nothing, and a call that would block is refused in a hub callback too. The exceptions,
// goroutine-safe: Close, Shared, LocalAddr, RemoteAddr, Addr, Fd, File, SyscallConn and its
// RawConn's Control (whose Read and Write wait as the socket's own do). Blocking functions
// that are not methods (DialContext, Select, Poll, WaitRead, WaitWrite, WaitReadWrite) take a
// context first and, when it ends first, end with their error naming the call that wraps
// scheduler.ContextError's error (DialContext's *net.OpError naming "dial", the others'
// *os.SyscallError naming "select", "poll" or "wait"); an error thrown into the waiting greenlet
// (a Kill's, a Timeout) comes back from Select, Poll and the Wait functions as it is, and from
// DialContext in its *net.OpError, even when the context ended meanwhile; methods keep
// package net's shapes and deadlines (SetDeadline, SetReadDeadline, SetWriteDeadline). One
// greenlet at a time may wait on each direction of a socket: a second greenlet's read (or
// accept) while another waits to read, or write while another waits to write, fails at once
// with an error matching scheduler.ErrConcurrentUse, as gevent raises ConcurrentObjectUseError
// (a shared socket queues its goroutines instead, as package net does).
//
// Close from a greenlet of the hub (or a callback) closes at once. Close from another goroutine
// hands the teardown to the hub (Hub.Post) and returns once the fd is closed, so the peer sees
// EOF when it returns; if the hub is destroyed first, Close closes the fd itself. A greenlet of
// another hub waits parked (scheduler.RunBlocking), so two hubs may close each other's sockets
// at once; if it is killed or times out meanwhile, Close returns that error (in its
// *net.OpError) and the close completes without it. A hub callback of another hub, and a
// greenlet's defer that its hub's Destroy runs, block their thread for the wait.
//
// # Ancillary data
//
// Conn and PacketConn have package net's UnixConn.ReadMsgUnix and WriteMsgUnix (gevent's
// recvmsg and sendmsg, send_fds and recv_fds with syscall.UnixRights and ParseUnixRights) on
// Unix sockets, with Read's and Write's rules above (one waiter per direction, deadlines, Close,
// shared sockets); received descriptors are close-on-exec. The caller may close the descriptors
// it sent once WriteMsgUnix returns, even killed: a greenlet's call on a shared socket, which
// goes on without it, sends copies of them. On a TCP or UDP socket they fail with an error
// matching syscall.EOPNOTSUPP.
//
// # Closing under a waiter
//
// Close frees the socket's io watchers before the fd is closed (libev must never poll a closed
// fd), then wakes every greenlet and goroutine blocked on the socket with an error matching
// net.ErrClosed. The fd itself is closed by whoever drops its last reference: a system call in
// progress on another goroutine holds one, so close(2) never races with it and runs exactly once.
//
// # Handing a socket over
//
// File, the File functions' complement, returns a copy of a socket's descriptor as an
// *os.File, as package net's File does: for a child process (exec.Cmd.ExtraFiles) or another
// hub (FileListener, FileConn, FilePacketConn make a socket of it there). Closing the file does
// not close the socket, nor the other way round; on a closed socket File fails with an error
// matching net.ErrClosed, and it never races with a Close (it holds a reference on the fd, as a
// system call does). Unlike package net's, the copy stays non-blocking, and the file's Fd
// (which exec.Cmd calls for ExtraFiles) leaves it so. A descriptor and its copies share their
// file status flags, in a child process too, so a child that makes its copy blocking (fcntl,
// or a library that does, as many do for their standard input and output) makes the socket
// here blocking too. Reads and writes do not mind: each system call of theirs carries
// MSG_DONTWAIT (recv, send, recvfrom, sendto, recvmsg, sendmsg), which never blocks whatever
// the descriptor's flags say, and ReadFrom leaves sendfile(2), which has no such flag, for
// Write once it finds the socket blocking. Shared makes such a socket non-blocking again (Go's
// poller, where a shared socket's goroutines wait, takes only a non-blocking descriptor), as
// FileConn, FileListener and FilePacketConn do with the descriptor they are given. Accept does mind: accept4(2) has no such flag
// either, so on a listener made blocking it blocks the hub's thread, and every greenlet of the
// hub with it, whenever no connection is pending (another process accepting on the listener
// may take the one that woke it) until the next one comes. Keep a listener's copies
// non-blocking (package net's FileListener does), or stop accepting here once it is handed
// over (close it). A unix listener that Listen bound to a path removes its
// socket file when closed, which leaves the copy listening where nobody can connect: call its
// SetUnlinkOnClose(false) before closing it.
//
// # Goroutine-safe sockets
//
// (*Conn).Shared, (*Listener).Shared and (*PacketConn).Shared make a socket goroutine-safe, for
// good (a shared Listener accepts shared connections); a Dialer or ListenConfig with its Hub set
// dials or listens from any goroutine and returns shared sockets. A shared socket follows package
// net (internal/poll): concurrent reads are serialised, so are concurrent writes, a read and a
// write run at the same time; deadlines and Close take effect on calls in progress from any
// goroutine. The calling goroutine makes the system call itself; when it would block, the
// goroutine waits in Go's own network poller, where sharing registers the fd too (an *os.File on
// it), exactly as a net.Conn's goroutine waits: a call that does not block costs its system call,
// one that waits what the same wait costs package net. The hub takes no part in the wait. This
// was chosen over asking the hub to watch the fd (one Post, then the hub's word on a channel:
// a cross-thread wake-up each way, ~2.5x a net.Conn's round trip) and over running every call on
// the hub in a greenlet of its own (a cross-thread round trip even for a call that does not
// block). The state machine is written out at the shared type (shared.go). A greenlet that calls
// a shared socket runs the call through scheduler.RunBlocking: killing the greenlet does not stop
// the call (a deadline or Close does; a connection that an Accept or a dial so abandoned makes
// is closed), and a greenlet's own sockets are cheaper unshared. Such a call reads into and
// writes from buffers of its own, so the killed greenlet's buffer is never touched after it
// returns: what an abandoned Read gets (bytes, EOF, an error) is kept for the socket's next Read,
// whoever makes it; on a datagram socket an abandoned Read, ReadFrom or ReadDatagram receives
// the next datagram whole and keeps it with its sender for the next Read, ReadFrom or
// ReadDatagram, which returns it as it would a datagram just received (cut to a Read's or
// ReadFrom's buffer); an abandoned ReadMsgUnix keeps its ancillary data with its bytes (the
// next ReadMsgUnix returns it; any other read, or Close, closes its descriptors, as the kernel
// does for a read with no room for them); a read whose result came in the same instant as
// the kill returns it with the kill's error (n > 0, and ReadMsgUnix's oobn, with an error: the
// descriptors then in oob are the caller's to close); and what an abandoned Write sends is
// unknown, as after a net.Conn write that failed: the stream should then be closed, or its
// state re-established by the protocol.
//
// The hub keeps running while a shared socket is open (no LoopExit: goroutines may still call
// it). Close runs its teardown on the hub (the hub's libev must stop watching the fd before it
// closes), so a Close from a goroutine waits for the hub's goroutine to run its loop: a greenlet
// of the hub must not block that goroutine outside the hub (a channel receive, a call into
// net/http's Server.Close) while another goroutine closes a shared socket; run such code through
// scheduler.RunBlocking or the thread pool. When the hub is destroyed its shared sockets are
// closed: later calls fail with an error matching net.ErrClosed. Its other sockets stay open
// until closed: Shared of one returns a net.Conn (Listener, PacketConn) whose calls fail with an
// error matching scheduler.ErrHubDestroyed and whose Close closes the socket.
//
// # Errors
//
// Errors are *net.OpError values, as from package net: errors.Is matches net.ErrClosed and
// scheduler.ErrClosed after Close (ErrClosed), os.ErrDeadlineExceeded and scheduler.ErrTimeout
// when a deadline passes (ErrTimeout), io.EOF at the end of a stream, syscall errnos
// (syscall.ECONNRESET, syscall.EPIPE, ...) and whatever was thrown into the greenlet
// (scheduler.ErrGreenletExit, a *scheduler.Timeout). A zero Conn, Listener or PacketConn fails
// every call with an error matching ErrBadFD and net.ErrClosed; nil arguments match
// scheduler.ErrNilArgument.
//
// # Cost per operation of a hub-affine socket
//
// A read or write that does not block is one raw system call: recv and send with MSG_DONTWAIT
// never block, so the data path uses syscall.RawSyscall6 and skips the runtime's syscall
// enter/exit (which exists to hand the P away from a call that blocks, and let sysmon take the
// hub's P whenever a loopback write was preempted). A read after one that emptied the socket waits first instead of
// collecting an EAGAIN; io watchers stay active between waits and stop lazily (see side in
// fd.go); each direction reuses one Waiter, so a request/response loop allocates nothing per
// request.
//
// # Idle sockets and LoopExit
//
// An io watcher left active after a wait, with nobody waiting, does not keep the hub's loop
// alive: the wait that leaves it active unrefs the loop (ev_unref, so Loop.ActiveCount does not
// count it) and the next wait, its lazy self-stop or Close refs it again first. So idle
// connections (keep-alive clients of a server) never turn a deadlock into a hang: a greenlet
// blocked forever elsewhere still gets a *scheduler.LoopExitError, as in gevent, whose hub.wait
// stops the watcher however the wait ends.
package socket
