package geventsuite

import (
	"errors"

	"github.com/geventgo/geventgo/internal/crosscheck"
	"github.com/geventgo/geventgo/scheduler"
)

func init() {
	register("waiter_switch_before_get", waiterSwitchBeforeGet)
}

func waiterSwitchBeforeGet(t *crosscheck.T) {
	hub := scheduler.CurrentHub()
	w := scheduler.NewWaiter("")
	t.Println("ready", py(w.Ready()))
	runCallback(t, hub, func() { w.Switch(7) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	t.Println("ready", py(w.Ready()))
	v, err := w.Get(bg)
	unexpected(t, "get", err)
	t.Println("get", v)
	w2 := scheduler.NewWaiter("")
	runCallback(t, hub, func() { w2.Throw(errKey) })
	unexpected(t, "sleep", scheduler.Sleep(bg, 0))
	if _, err := w2.Get(bg); errors.Is(err, errKey) {
		t.Println("KeyError", errKey)
	} else {
		t.Println("get", errName(err))
	}
}
