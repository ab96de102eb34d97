package geventsuite

import (
	"github.com/geventgo/geventgo/greenlet"
	"github.com/geventgo/geventgo/scheduler"
)

// who names the calling greenlet as the references' who() does: a
// Greenlet's name, "hub" for the hub greenlet (callbacks, rawlinks), "main"
// for the main greenlet and "raw" for any other (SpawnRaw, a Link
// callback's greenlet).
func who() string {
	if g := scheduler.GetCurrent(); g != nil {
		return g.Name()
	}
	if scheduler.CurrentHub().InHub() {
		return "hub"
	}
	if greenlet.Current().IsMain() {
		return "main"
	}
	return "raw"
}
