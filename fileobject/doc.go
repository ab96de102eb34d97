// Package fileobject gives greenlets cooperative files (gevent's FileObjectPosix and
// FileObjectThread): an io.Reader, io.Writer, io.Seeker and io.Closer over a pipe, FIFO, tty,
// eventfd or any *os.File, whose Read or Write parks only the calling greenlet, never the hub
// (a regular file can go to http.ServeContent, which needs an io.ReadSeeker). Pipe makes a
// cooperative pipe; New and NewFD take over an *os.File or a descriptor; NewThread forces the
// thread pool. The cooperative pipes of package subprocess are Files.
//
// # Two modes
//
// A descriptor epoll can watch (pipes, FIFOs, ttys and ptys, sockets, eventfds, most character
// devices) is taken over in poll mode: New sets O_NONBLOCK on it, and a Read or Write that gets
// EAGAIN waits on an io watcher of the hub's libev loop. The watcher stays active after the
// wait without keeping the loop alive, and stops the first time it fires with nobody waiting.
// O_NONBLOCK belongs to the open file description, which a dup or a fork shares (a process's
// stdin is its shell's too): Close puts the flags back as New found them before closing. A
// descriptor epoll refuses (regular files, directories, /dev/null: EPERM; libev would report it
// ready for ever, and a read from a slow disk would stall the hub) is taken in thread mode, as is
// every file given to NewThread: *os.File's own Read and Write run on the hub's thread pool
// (threadpool.Default) and the greenlet waits for the worker. Threaded reports the mode.
//
// # Who may call what, from where
//
// A File binds to the hub of the first greenlet that reads, writes or sets a deadline
// (scheduler.Binding); New, NewFD, NewThread and Pipe do not block and work anywhere. Read,
// Write, Seek, Truncate, Stat and their Context forms are for greenlets of that hub (not its
// hub greenlet, which must never block): from anywhere else they return an error matching
// scheduler.ErrNotGreenlet and do nothing; so do the Set*Deadline methods. One greenlet at a
// time may wait in each direction: a second one gets scheduler.ErrConcurrentUse. In thread mode
// Seek, Truncate and Stat run on a worker too, never beside a write of the File (Seek: nor a
// read): they first wait for the writes (Seek: the reads too) still on a worker, and a Read or
// Write that comes while one is on a worker waits for it, within its own deadline (a reader and
// a writer may both wait). Seek, Truncate and Stat wait with no deadline; SeekContext,
// TruncateContext and StatContext bound their wait by their context (a read of an eventfd or a
// device may never return). A Seek of a pipe, socket or tty fails at once with syscall.ESPIPE,
// waiting for nothing; so does a Truncate of anything but a regular file, with syscall.EINVAL,
// and a Stat of one answers at once on the hub (it has no size to count the writes in). A
// greenlet already waiting on what they must wait for (a Read, a Write, another Seek, Truncate
// or Stat) makes them fail with scheduler.ErrConcurrentUse.
// Close, Fd, Name and Threaded are goroutine-safe.
// The *os.File given to New belongs to the File: use it no more, and never call its Fd method,
// which switches the descriptor back to blocking.
//
// # Closing under a waiter
//
// Close frees the File's watchers before the descriptor is closed (libev must never poll a
// closed fd), closes the *os.File, then wakes every greenlet blocked on the File with an error
// matching ErrClosed (os.ErrClosed, net.ErrClosed, scheduler.ErrClosed). The raw system calls of
// poll mode run inside the file's RawConn.Control, so close(2) never runs under one of them.
// Close from a greenlet of the File's hub acts at once; from another goroutine it hands the work
// to the hub and returns when the descriptor is closed (if the hub is destroyed first, Close
// closes it itself). A greenlet of another hub waits parked (scheduler.RunBlocking), so two hubs
// may close each other's Files at once; killed or timed out meanwhile, its Close returns that
// error and the close completes without it. A plain goroutine, or a hub callback of another hub,
// blocks its thread for the wait: two hubs' callbacks closing each other's Files at once would
// deadlock.
//
// # Deadlines, contexts and thread mode
//
// SetDeadline, SetReadDeadline and SetWriteDeadline work as *os.File's: once the deadline has
// passed a Read or Write fails with an error matching ErrTimeout (os.ErrDeadlineExceeded and
// scheduler.ErrTimeout, Timeout() true), and a new deadline reaches a greenlet already waiting.
// ReadContext and WriteContext end with an *Error naming the call that wraps
// scheduler.ContextError's error when their ctx ends first; in poll mode a ctx that has already
// ended still lets a call that needs no wait complete, in thread mode it starts nothing (the
// worker's call could not be taken back). In thread mode deadlines work too, but a wait that ends
// early (deadline, ctx, Kill) cannot stop the call on the worker: the next Read returns the bytes
// it read (none is lost), and the next Write waits for it first and fails if it failed; a Seek,
// Truncate or Stat goes on too, and the next call of the File waits for it (a Read or Write within
// its deadline) and fails if it failed. A read that ended early and was not handed out yet counts
// as read ahead: Seek's io.SeekCurrent counts from what Read handed out, and a Seek drops the bytes
// read ahead; so does a Write to a regular file, which first puts the offset back by them and lands
// where Read stopped, as with a buffered file (a write to a stream leaves them). Nor can Close: it
// wakes the waiting greenlet at once, but close(2) of a blocking descriptor waits until the
// worker's call returns (os.File's rule), which for a pipe or tty forced into NewThread may be
// never.
//
// # The end of a hub
//
// A greenlet blocked on a File when its hub ends (Main's fn returns, Hub.Destroy) gets
// scheduler.ErrGreenletExit; the loop's watchers go with the loop. The File stays open: the next
// hub of a greenlet that uses it binds it and works, and Close works from anywhere. A thread-mode
// call already on a worker goes on, and the next hub's Read or Write collects it as after any
// wait that ended early; one still queued on the pool never runs (it read or wrote nothing).
//
// # Errors
//
// Errors are *Error values naming the call and the file; io.EOF is returned bare. A zero or nil
// File fails every call with an error matching ErrBadFD and ErrClosed; nil arguments match
// scheduler.ErrNilArgument.
package fileobject
