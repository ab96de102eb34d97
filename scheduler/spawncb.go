package scheduler

import "slices"

// SpawnCallbackID identifies a spawn callback for RemoveSpawnCallback.
type SpawnCallbackID uint64

type spawnCallback struct {
	id SpawnCallbackID
	fn func(Runnable)
}

// AddSpawnCallback registers fn to be called with every Greenlet started on
// h from now on (gevent's Greenlet.add_spawn_callback): Start, StartLater,
// Spawn, Go and SpawnLater call it in the starting greenlet, before the new
// greenlet is scheduled, once per greenlet (a second Start does nothing). A
// panic in fn reaches the caller of Start, which leaves the greenlet
// unstarted, as gevent raises from start(). Callbacks run in the order
// they were added (gevent's order is unspecified); raw greenlets
// (SpawnRaw) and Link callbacks are no Greenlets and are not reported.
//
// Unlike gevent's, which are process-wide, spawn callbacks belong to one
// hub: they run on its greenlets and need no lock. Hub-affine: from
// anywhere else it registers nothing and returns ErrNotGreenlet; a nil fn
// is ErrNilArgument.
func (h *Hub) AddSpawnCallback(fn func(Runnable)) (SpawnCallbackID, error) {
	if fn == nil {
		return 0, opErr("Hub.AddSpawnCallback", ErrNilArgument)
	}
	if err := h.check("Hub.AddSpawnCallback"); err != nil {
		return 0, err
	}
	h.spawnCBSeq++
	// Copied, not appended in place: a callback that adds or removes one
	// while the list is being called does not disturb that call.
	h.spawnCBs = append(slices.Clip(h.spawnCBs), spawnCallback{id: h.spawnCBSeq, fn: fn})
	return h.spawnCBSeq, nil
}

// RemoveSpawnCallback removes the spawn callback id (gevent's
// remove_spawn_callback); an id that was removed already, or never added,
// is ignored. Hub-affine: from anywhere else it returns ErrNotGreenlet.
func (h *Hub) RemoveSpawnCallback(id SpawnCallbackID) error {
	if err := h.check("Hub.RemoveSpawnCallback"); err != nil {
		return err
	}
	i := slices.IndexFunc(h.spawnCBs, func(cb spawnCallback) bool { return cb.id == id })
	if i < 0 {
		return nil
	}
	cbs := slices.Delete(slices.Clone(h.spawnCBs), i, i+1)
	if len(cbs) == 0 {
		cbs = nil
	}
	h.spawnCBs = cbs
	return nil
}

// spawnCallbacks calls every spawn callback with t (gevent's
// _call_spawn_callbacks) and reports whether t may still be started: a
// callback may have killed it, and a Start it makes meanwhile does
// nothing (the Start being reported schedules t).
func (t *task) spawnCallbacks() bool {
	if t.inSpawnCBs {
		return false
	}
	t.inSpawnCBs = true
	defer func() { t.inSpawnCBs = false }()
	for _, cb := range t.hub().spawnCBs {
		cb.fn(t.impl)
	}
	return t.state == stNew
}
