package geventsuite

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

func init() {
	register("io_timeout_around_recv", ioTimeoutAroundRecv)
	register("io_kill_blocked_recv", ioKillBlockedRecv)
	register("io_wait_read_poll", ioWaitReadPoll)
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
