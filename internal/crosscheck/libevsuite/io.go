package libevsuite

import (
	"syscall"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/crosscheck"
)

func init() {
	crosscheck.Register("libev", "io_events", ioEvents)
}

func ioEvents(t *crosscheck.T) {
	l := newLoop(t)
	sv, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	must(t, err)
	defer closeFDs(sv[0], sv[1])
	cb := func(name string) func(*cev.IO, int) {
		return func(w *cev.IO, revents int) {
			t.Printf("io %s revents=0x%x", name, revents)
		}
	}
	rw, err := l.NewIO(sv[0], cev.EV_READ|cev.EV_WRITE, cb("rw"))
	must(t, err)
	wo, err := l.NewIO(sv[0], cev.EV_WRITE, cb("wo"))
	must(t, err)
	must(t, wo.Start())
	t.Printf("nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))
	must(t, wo.Stop())

	writeByte(t, sv[1], 'x')
	must(t, rw.Start())
	t.Printf("nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))
	must(t, rw.Stop())

	must(t, rw.Set(sv[0], cev.EV_READ))
	must(t, rw.Start())
	r := run(t, l, cev.EVRUN_NOWAIT)
	t.Printf("read only: nowait returned %d events=0x%x", r, rw.Events()&(cev.EV_READ|cev.EV_WRITE))
	drain(sv[0])
	t.Printf("drained: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))

	ro, err := l.NewIO(sv[1], cev.EV_READ, cb("ro"))
	must(t, err)
	must(t, ro.Start())
	must(t, wo.Start())
	must(t, l.FeedFDEvent(sv[0], cev.EV_READ|cev.EV_WRITE))
	must(t, l.FeedFDEvent(sv[1], cev.EV_WRITE))
	t.Printf("fed fds: nowait returned %d", run(t, l, cev.EVRUN_NOWAIT))
	must(t, rw.Stop())
	must(t, wo.Stop())
	must(t, ro.Stop())
	destroy(t, l)
}
