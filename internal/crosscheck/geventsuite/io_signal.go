package geventsuite

import (
	"syscall"

	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("io_signal", ioSignal)
}

// ioSignal: gevent.signal_handler is gsignal.Handle, os.kill(os.getpid())
// is gsignal.Self. "in greenlet" asks whether the handler runs somewhere
// other than the hub; in Go, blocking (Sleep(0)) only works in a greenlet.
func ioSignal(t *crosscheck.T) {
	calls := 0
	handler := func(tag string) func() {
		return func() {
			t.Println("handler", tag, "in greenlet", py(scheduler.Sleep(bg, 0) == nil))
			calls++
		}
	}
	h, err := gsignal.Handle(syscall.SIGUSR1, handler("first"))
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	unexpected(t, "kill", gsignal.Self(syscall.SIGUSR1))
	t.Println("after kill")
	unexpected(t, "sleep", scheduler.Sleep(bg, 100*ms))
	t.Println("main woke", calls)
	unexpected(t, "cancel", h.Stop())
	t.Println("cancelled")
	h2, err := gsignal.Handle(syscall.SIGUSR1, handler("second"))
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	unexpected(t, "kill", gsignal.Self(syscall.SIGUSR1))
	unexpected(t, "sleep", scheduler.Sleep(bg, 100*ms))
	t.Println("main woke", calls)
	unexpected(t, "cancel", h2.Stop())
}
