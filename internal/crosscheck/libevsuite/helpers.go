package libevsuite

import (
	"runtime"
	"syscall"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

// newLoop creates the loop of a twin; the C references use
// ev_loop_new(EVFLAG_NOSIGMASK), which is what cev.NewLoop does.
func newLoop(t *crosscheck.T) *cev.Loop {
	l, err := cev.NewLoop()
	if err != nil {
		t.Fatalf("NewLoop: %v", err)
	}
	return l
}

// must stops the twin on an unexpected error, naming the call site so the
// diff shows which step of the scenario went wrong.
func must(t *crosscheck.T, err error) {
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		t.Fatalf("%s:%d: %v", file, line, err)
	}
}

// b2i prints booleans the way the C references print !!ev_is_active().
// inRange reports whether a remaining time rem lies in (lo, hi], hi by one
// part in 10^9 more: libev computes it as at - now, with at = now + repeat,
// and where now nears a power of two (the monotonic clock at 32768 s, say)
// now + repeat rounds up by an ulp, so an exact bound would fail a few
// seconds in every binade (the C programs use the same check).
func inRange(rem, lo, hi float64) bool { return rem > lo && rem <= hi+hi*1e-9 }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// run calls Loop.Run and returns what the C references print for ev_run's
// result: libev's activecnt, which cev exposes as Loop.ActiveCount (Run's
// bool is only whether it is non-zero).
func run(t *crosscheck.T, l *cev.Loop, flags int) int {
	alive, err := l.Run(flags)
	must(t, err)
	n := l.ActiveCount()
	if alive != (n != 0) {
		t.Fatalf("Run returned %v but ActiveCount is %d", alive, n)
	}
	return n
}

// destroy destroys the loop at the end of a twin.
func destroy(t *crosscheck.T, l *cev.Loop) {
	must(t, l.Destroy())
}

// pipe returns a raw pipe (read end, write end) that the Go runtime's poller
// does not know about, as the C references' pipe(2).
func pipe(t *crosscheck.T) (int, int) {
	var fds [2]int
	must(t, syscall.Pipe2(fds[:], syscall.O_CLOEXEC))
	return fds[0], fds[1]
}

// closeFDs closes the fds of a twin's pipes.
func closeFDs(fds ...int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// writeByte writes one byte to fd, failing the twin on error.
func writeByte(t *crosscheck.T, fd int, b byte) {
	_, err := syscall.Write(fd, []byte{b})
	must(t, err)
}

// drain reads what is waiting on fd, as the C callbacks' read(fd, buf, 8).
func drain(fd int) {
	var buf [16]byte
	syscall.Read(fd, buf[:])
}
