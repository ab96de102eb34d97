package scheduler

// Callback is the handle RunCallback returns: a small value (no allocation)
// that can stop the callback before it runs.
type Callback struct {
	b   *cbBlock
	i   int32
	gen uint32
}

func (c Callback) entry() *cbEntry {
	if c.b == nil || c.b.gen != c.gen {
		return nil
	}
	e := &c.b.items[c.i]
	if e.fn == nil && e.afn == nil && e.arg == nil {
		return nil
	}
	return e
}

// Stop keeps a queued callback from running (gevent's callback.stop). It is a
// no-op on a callback that already ran or was stopped. Hub-affine: from a
// goroutine that is not a greenlet of the callback's hub it does nothing.
func (c Callback) Stop() {
	if c.b != nil && c.b.hub.OnHub() {
		c.stop()
	}
}

// Pending reports whether the callback is queued and has not run or been
// stopped. Hub-affine: false from a goroutine that is not a greenlet of the
// callback's hub.
func (c Callback) Pending() bool { return c.b != nil && c.b.hub.OnHub() && c.pending() }

// stop is Stop for the scheduler's own code, which runs on the hub.
func (c Callback) stop() {
	if e := c.entry(); e != nil {
		*e = cbEntry{}
	}
}

// pending is Pending for the scheduler's own code, which runs on the hub.
func (c Callback) pending() bool { return c.entry() != nil }
