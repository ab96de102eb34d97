package geventsuite

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

func init() {
	register("io_socketpair_pingpong", ioSocketpairPingpong)
	register("io_recv_timeout", ioRecvTimeout)
	register("io_timeout_around_recv", ioTimeoutAroundRecv)
	register("io_close_while_recv", ioCloseWhileRecv)
	register("io_kill_blocked_recv", ioKillBlockedRecv)
	register("io_shutdown_eof", ioShutdownEOF)
	register("io_select", ioSelect)
	register("io_wait_read_poll", ioWaitReadPoll)
}

func ioSocketpairPingpong(t *crosscheck.T) {
	a, b := socketpair(t)
	defer a.Close()
	defer b.Close()
	g1 := scheduler.Spawn(func() (none, error) {
		t.Println("reader start")
		t.Println("reader got", recvString(t, b, 100))
		sendAll(t, b, []byte("pong"))
		t.Println("reader sent pong")
		return none{}, nil
	})
	g2 := scheduler.Spawn(func() (none, error) {
		t.Println("writer start")
		sendAll(t, a, []byte("ping"))
		t.Println("writer sent ping")
		t.Println("writer got", recvString(t, a, 100))
		return none{}, nil
	})
	t.Println("main joins")
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{g1, g2}, 0)
	unexpected(t, "joinall", err)
	t.Println("done", py(g1.Successful()), py(g2.Successful()))
}

// ioRecvTimeout: settimeout(d) is a read deadline d from now; gevent's
// socket.timeout is the deadline error (os.ErrDeadlineExceeded).
func ioRecvTimeout(t *crosscheck.T) {
	a, b := socketpair(t)
	defer a.Close()
	defer b.Close()
	unexpected(t, "deadline", b.SetReadDeadline(time.Now().Add(100*ms)))
	scheduler.Spawn(func() (none, error) {
		t.Println("other runs while recv waits")
		return none{}, nil
	})
	if _, err := b.Read(make([]byte, 10)); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Println("recv error timeout")
	} else {
		t.Println("not reached", ioErrName(err))
	}
	scheduler.Spawn(func() (none, error) {
		unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
		t.Println("writer sends")
		sendAll(t, a, []byte("late"))
		return none{}, nil
	})
	unexpected(t, "deadline", b.SetReadDeadline(time.Now().Add(time.Second)))
	t.Println("recv got", recvString(t, b, 10))
}

// ioTimeoutAroundRecv: `with gevent.Timeout(d) as t` is StartTimeout plus
// a deferred Cancel; the interrupted Read returns an error matching that
// *Timeout, not the socket's own deadline error.
func ioTimeoutAroundRecv(t *crosscheck.T) {
	a, b := socketpair(t)
	defer a.Close()
	defer b.Close()
	func() {
		to := startTimeout(t, 50*ms)
		defer to.Cancel()
		_, err := b.Read(make([]byte, 10))
		switch {
		case errors.Is(err, scheduler.ErrTimeout):
			t.Println("recv interrupted by its Timeout", py(errors.Is(err, to)))
		case errors.Is(err, os.ErrDeadlineExceeded):
			t.Println("socket timeout")
		default:
			t.Println("not reached", ioErrName(err))
		}
	}()
	scheduler.Spawn(func() (none, error) {
		unexpected(t, "sleep", scheduler.Sleep(bg, 20*ms))
		sendAll(t, a, []byte("data"))
		return none{}, nil
	})
	to := startTimeout(t, time.Second)
	t.Println("recv got", recvString(t, b, 10))
	to.Cancel()
	t.Println("pending after", py(to.Pending()))
}

func ioCloseWhileRecv(t *crosscheck.T) {
	a, b := socketpair(t)
	g := scheduler.Spawn(func() (none, error) {
		t.Println("reader blocks")
		if _, err := b.Read(make([]byte, 10)); err != nil {
			t.Println("reader error", ioErrName(err))
		} else {
			t.Println("not reached")
		}
		return none{}, nil
	})
	unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
	unexpected(t, "close", b.Close())
	t.Println("closed")
	unexpected(t, "join", g.Join(bg))
	if _, err := b.Read(make([]byte, 10)); err != nil {
		t.Println("recv after close", ioErrName(err))
	}
	unexpected(t, "close", a.Close())
	t.Println("done")
}

func ioKillBlockedRecv(t *crosscheck.T) {
	a, b := socketpair(t)
	defer a.Close()
	defer b.Close()
	reader := func(name string) func() (none, error) {
		return func() (none, error) {
			defer t.Println(name, "finally")
			buf := make([]byte, 10)
			n, err := b.Read(buf)
			if errors.Is(err, scheduler.ErrGreenletExit) {
				t.Println(name, "killed")
				return none{}, err
			}
			unexpected(t, "recv", err)
			t.Println(name, "got", string(buf[:n]))
			return none{}, nil
		}
	}
	r1 := scheduler.Spawn(reader("r1"))
	unexpected(t, "sleep", scheduler.Sleep(bg, 20*ms))
	unexpected(t, "kill", r1.Kill(bg, nil))
	t.Println("r1 dead", py(r1.Dead()), py(r1.Successful()))
	r2 := scheduler.Spawn(reader("r2"))
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	sendAll(t, a, []byte("after"))
	t.Println("sent")
	unexpected(t, "join", r2.Join(bg))
	t.Println("r2 dead", py(r2.Dead()))
}

func ioShutdownEOF(t *crosscheck.T) {
	a, b := socketpair(t)
	defer a.Close()
	defer b.Close()
	const n = 1 << 20
	reader := scheduler.Spawn(func() (none, error) {
		unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
		t.Println("reader start")
		total := 0
		buf := make([]byte, 65536)
		for total < n {
			got, err := b.Read(buf)
			if err != nil {
				return none{}, err
			}
			total += got
		}
		t.Println("read", total)
		_, err := b.Read(make([]byte, 10))
		t.Println("eof", py(errors.Is(err, io.EOF)))
		sendAll(t, b, []byte("bye"))
		return none{}, nil
	})
	writer := scheduler.Spawn(func() (none, error) {
		t.Println("writer start")
		sendAll(t, a, make([]byte, n))
		t.Println("sent")
		unexpected(t, "sleep", scheduler.Sleep(bg, 10*ms))
		unexpected(t, "shutdown", a.CloseWrite())
		t.Println("shut down")
		t.Println("still reads", recvString(t, a, 10))
		return none{}, nil
	})
	_, err := scheduler.Wait(bg, []*scheduler.Greenlet[none]{reader, writer}, 0)
	unexpected(t, "joinall", err)
	unexpected(t, "reader", reader.Err())
}

func ioSelect(t *crosscheck.T) {
	a, b := socketpair(t)
	defer a.Close()
	defer b.Close()
	names := map[int]string{a.Fd(): "a", b.Fd(): "b"}
	show := func(what string, r, w []int, err error) {
		unexpected(t, "select", err)
		rs := make([]string, len(r))
		for i, fd := range r {
			rs[i] = names[fd]
		}
		ws := make([]string, len(w))
		for i, fd := range w {
			ws[i] = names[fd]
		}
		t.Println(what, sortedStrs(rs), sortedStrs(ws))
	}
	both := []int{a.Fd(), b.Fd()}
	r, w, err := socket.TrySelect(both, both)
	show("nothing sent", r, w, err)
	sendAll(t, a, []byte("x"))
	r, w, err = socket.Select(within(time.Second), both, nil)
	show("after send", r, w, err)
	recvString(t, b, 10)
	scheduler.Spawn(func() (none, error) {
		t.Println("writer runs")
		unexpected(t, "sleep", scheduler.Sleep(bg, 50*ms))
		t.Println("writer sends")
		sendAll(t, b, []byte("y"))
		return none{}, nil
	})
	r, w, err = socket.Select(bg, []int{a.Fd()}, nil)
	show("blocking", r, w, err)
	recvString(t, a, 10)
	r, w, err = socket.Select(within(50*ms), both, nil)
	_, err = waitOK(err) // gevent's select returns empty lists at its timeout
	show("timeout", r, w, err)
}

// ioWaitReadPoll: gevent.socket.wait_read/wait_write are WaitRead and
// WaitWrite; select.poll is Poll with a PollFD list (timeout in ms in
// Python, a Duration here).
func ioWaitReadPoll(t *crosscheck.T) {
	a, b := socketpair(t)
	defer a.Close()
	defer b.Close()
	unexpected(t, "wait_write", socket.WaitWrite(within(time.Second), a.Fd()))
	t.Println("a writable")
	if err := socket.WaitRead(within(50*ms), b.Fd()); errors.Is(err, scheduler.ErrTimeout) {
		t.Println("wait_read timeout")
	} else {
		t.Println("not reached", ioErrName(err))
	}
	scheduler.Spawn(func() (none, error) {
		unexpected(t, "sleep", scheduler.Sleep(bg, 20*ms))
		t.Println("writer sends")
		sendAll(t, a, []byte("x"))
		return none{}, nil
	})
	unexpected(t, "wait_read", socket.WaitRead(bg, b.Fd()))
	t.Println("b readable")

	names := map[int32]string{int32(a.Fd()): "a", int32(b.Fd()): "b"}
	fds := []socket.PollFD{
		{Fd: int32(a.Fd()), Events: socket.PollIn},
		{Fd: int32(b.Fd()), Events: socket.PollIn},
	}
	// pollResult prints poll()'s list of (fd, revents) pairs, sorted, the
	// way Python prints sorted tuples.
	pollResult := func() string {
		var ready []string
		for _, fd := range fds {
			if fd.Revents != 0 {
				ready = append(ready, fmt.Sprintf("('%s', %d)", names[fd.Fd], fd.Revents))
			}
		}
		slices.Sort(ready)
		return "[" + strings.Join(ready, ", ") + "]"
	}
	_, err := socket.Poll(within(time.Second), fds)
	unexpected(t, "poll", err)
	t.Println("poll", pollResult())
	recvString(t, b, 10)
	for i := range fds {
		fds[i].Revents = 0
	}
	_, err = socket.Poll(within(50*ms), fds)
	_, err = waitOK(err) // gevent's poll returns [] at its timeout
	unexpected(t, "poll", err)
	t.Println("poll timeout", pollResult())
}

// ioErrName names a socket error with the token the Python reference
// prints: gevent's socket.timeout is Go's deadline error, and gevent's
// EBADF ("File descriptor was closed in another greenlet", or a plain
// EBADF on a closed socket) is net.ErrClosed.
func ioErrName(err error) string {
	switch {
	case err == nil:
		return "None"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, net.ErrClosed):
		return "EBADF"
	case errors.Is(err, io.EOF):
		return "EOF"
	}
	return fmt.Sprintf("%T(%v)", err, err)
}

// socketpair is gevent's socket.socketpair for a twin; a failure stops the
// twin, since every later line would differ anyway.
func socketpair(t *crosscheck.T) (*socket.Conn, *socket.Conn) {
	a, b, err := socket.Socketpair()
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	return a, b
}

// recvString is Python's sock.recv(n).decode(); an error is printed as an
// unexpected line so that it shows in the diff.
func recvString(t *crosscheck.T, c *socket.Conn, n int) string {
	buf := make([]byte, n)
	got, err := c.Read(buf)
	unexpected(t, "recv", err)
	return string(buf[:got])
}

// sendAll is Python's sock.sendall(b).
func sendAll(t *crosscheck.T, c net.Conn, b []byte) {
	_, err := c.Write(b)
	unexpected(t, "sendall", err)
}
