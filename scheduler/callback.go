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
// no-op on a callback that already ran or was stopped. Hub-affine.
func (c Callback) Stop() {
	if e := c.entry(); e != nil {
		*e = cbEntry{}
	}
}

// Pending reports whether the callback is queued and has not run or been
// stopped. Hub-affine.
func (c Callback) Pending() bool { return c.entry() != nil }
