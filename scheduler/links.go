package scheduler

import "runtime/debug"

// Rawlink is Greenlet.Rawlink, less the nil check.
func (t *task) Rawlink(fn func(Linkable)) LinkID {
	if fn == nil || (t.hub().check("Greenlet.Rawlink") != nil && !t.adoptRefused()) {
		return 0
	}
	t.linkSeq++
	if t.links == nil {
		t.links = t.links0[:0]
	}
	t.links = append(t.links, linkEntry{id: t.linkSeq, fn: fn})
	if t.Ready() && !t.cb.pending() {
		t.cb = t.hub().runCallbackArg(notifyLinks, t)
	}
	return t.linkSeq
}

// adoptRefused binds a greenlet refused at Spawn outside any hub (ready,
// without a hub) to the calling greenlet's hub, so that links on it run
// there as on any finished greenlet; it reports whether it did (a greenlet
// of another hub may have bound it first).
func (t *task) adoptRefused() bool {
	c := currentCtx()
	if t.hub() != nil || !t.Ready() || c == nil || c.hub.destroyed.Load() {
		return false
	}
	return t.bindLate(c.hub, false) == c.hub
}

// Unlink is Greenlet.Unlink, less the nil check.
func (t *task) Unlink(id LinkID) {
	if t.hub().check("Greenlet.Unlink") != nil {
		return
	}
	for i := range t.links {
		if t.links[i].id == id {
			copy(t.links[i:], t.links[i+1:])
			t.links[len(t.links)-1] = linkEntry{}
			t.links = t.links[:len(t.links)-1]
			return
		}
	}
}

// HasLinks is Greenlet.HasLinks, less the nil check. The links are the
// hub's plain slice: only the greenlet's hub can read it.
func (t *task) HasLinks() bool { return t.onOwnHub() && len(t.links) > 0 }

// UnlinkAll is Greenlet.UnlinkAll, less the nil check.
func (t *task) UnlinkAll() {
	if t.hub().check("Greenlet.UnlinkAll") != nil {
		return
	}
	clear(t.links)
	t.links = t.links[:0]
}

// Link calls fn with the greenlet once it is ready, like Rawlink, but fn
// runs in a greenlet of its own (gevent's SpawnedLink), so it may block.
func (t *task) Link(fn func(Linkable)) LinkID { return t.linkSpawned(fn, nil) }

// LinkValue is Link for a greenlet that finished successfully only.
func (t *task) LinkValue(fn func(Linkable)) LinkID {
	return t.linkSpawned(fn, func(l Linkable) bool { return l.(Runnable).Successful() })
}

// LinkException is Link for a greenlet that failed only.
func (t *task) LinkException(fn func(Linkable)) LinkID {
	return t.linkSpawned(fn, func(l Linkable) bool { return !l.(Runnable).Successful() })
}

// linkSpawned is Link, with filter for LinkValue and LinkException. It
// binds a greenlet refused outside any hub as Rawlink would, before it
// makes the link that runs fn on the greenlet's hub.
func (t *task) linkSpawned(fn func(Linkable), filter func(Linkable) bool) LinkID {
	if fn == nil || (t.hub().check("Greenlet.Link") != nil && !t.adoptRefused()) {
		return 0
	}
	return t.Rawlink(t.hub().spawnedLink(fn, filter))
}

// linkJob runs a Link callback on a worker greenlet.
type linkJob struct {
	fn  func(Linkable)
	src Linkable
}

func (j *linkJob) runOn(c *gctx) {
	c.link = j
	normal := false
	defer func() {
		c.link = nil
		if normal {
			return
		}
		// A Goexit, or a panic raised under one, ends the worker into the
		// hub, as a task's does (worker.goexit); a nil recover is told
		// from a panic(nil) by the worker, as a task's is.
		if r := recover(); r != nil {
			c.hub.HandleError(opErr("link", panicError(r)))
		} else {
			c.w.nilEscape = &PanicError{Stack: debug.Stack()}
		}
	}()
	j.fn(j.src)
	normal = true
}

// endNil reports what runOn's recover returned nil for.
func (j *linkJob) endNil(c *gctx, p *PanicError) { c.hub.HandleError(opErr("link", p)) }

// spawnedLink wraps fn so that it runs in its own greenlet, switched to
// directly from the notifying callback as gevent does.
func (h *Hub) spawnedLink(fn func(Linkable), filter func(Linkable) bool) func(Linkable) {
	return func(src Linkable) {
		if filter != nil && !filter(src) {
			return
		}
		h.runJob(&linkJob{fn: fn, src: src})
	}
}

// runJob switches from the hub into an idle (or new) worker running j.
func (h *Hub) runJob(j job) {
	var c *gctx
	if w := h.getWorker(); w != nil {
		c = w.ctx
	} else {
		w := &worker{}
		c = &gctx{hub: h, name: "worker", w: w}
		w.ctx = c
		c.raw = newRaw(h.raw, w.main)
		c.raw.Value = c
	}
	h.switchInto(c, j)
}

// notifyLinks runs on the hub: it calls the links in order until none is
// left, reporting (and surviving) a panicking link.
func notifyLinks(a any) {
	t := a.(*task)
	for len(t.links) > 0 {
		l := t.links[0]
		copy(t.links, t.links[1:])
		t.links[len(t.links)-1] = linkEntry{}
		t.links = t.links[:len(t.links)-1]
		if !t.callLink(l.fn) {
			// fn panicked, and the panic was reported (Hub.recovered), or
			// it was a panic(nil), reported now (Hub.nilEscape): a plain
			// one, since control came back, so this loop calls the rest.
			h := t.hub()
			h.recovered = false
			if e := h.nilEscape; e != nil {
				h.nilEscape = nil
				h.report(e)
			}
		}
	}
	// Every link was called, those added meanwhile too: a callback queued
	// for them goes (one a link's Rawlink queued, or callLink's after a
	// panic), as gevent queues none while its notifier runs (a link added
	// later is notified from a callback queued then, behind those queued
	// before it).
	if t.cb.pending() {
		t.cb.stop()
		t.cb = Callback{}
	}
}

// callLink calls fn, one link of t; false when fn panicked and callLink
// reported the panic it recovered, or left a nil one to notifyLinks
// (stashNil).
func (t *task) callLink(fn func(Linkable)) (normal bool) {
	defer func() {
		if normal {
			return
		}
		// A runtime.Goexit, which the hub reports (Hub.serve), ends this
		// notifyLinks, and so does a panic raised under one (a deferred
		// call of fn that panicked while fn unwound from Goexit): the
		// runtime resumes the Goexit once this returns. So the links after
		// fn get a callback of their own, before the report, which may
		// escape in turn; after a plain panic notifyLinks goes on and
		// stops that callback once it called them.
		if len(t.links) > 0 && !t.cb.pending() {
			t.cb = t.hub().runCallbackArg(notifyLinks, t)
		}
		h := t.hub()
		r := recover()
		if r == nil {
			// A runtime.Goexit, or a panic(nil) that recover stopped
			// (stashNil): notifyLinks tells them apart.
			h.stashNil("link of " + t.Name())
			return
		}
		h.report(opErr("link of "+t.Name(), panicError(r)))
		h.recovered = true
	}()
	fn(t.impl)
	return true
}

// wake returns the link that switches back into greenlet c with the ready
// object, cached per greenlet so joins do not allocate a closure.
func (c *gctx) wakeLink() func(Linkable) {
	if c.wake == nil {
		h := c.hub
		c.wake = func(l Linkable) {
			if c.waitToken == l {
				c.waitToken = nil
				h.switchInto(c, l)
			}
		}
	}
	return c.wake
}
