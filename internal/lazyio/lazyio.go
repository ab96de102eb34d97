// Package lazyio keeps an io watcher active between waits without letting it keep its loop
// alive: socket and fileobject stop their watchers lazily (the first time one fires with nobody
// waiting) instead of after every wait, which saves cev's Start per wait (two cgo calls and the
// fcntl(F_GETFD) with which it checks the fd).
//
// A watcher left active with nobody waiting must not keep the loop alive, or an idle descriptor
// would turn every deadlock into a hang in epoll_wait instead of a LoopExit (gevent's hub.wait
// stops its watcher however the wait ends). So a wait that ends with the watcher still active
// unrefs the loop (ev_unref: libev's activecnt no longer counts it), and the loop is ref'd again
// before anything else happens to that watcher: the next wait, its lazy stop, or its Close. Ref
// records the one outstanding Unref, so the two balance on every path; a destroyed loop frees
// the watcher and the count with it. Hub-affine, like the watcher.
package lazyio

import "github.com/geventgo/geventgo/cev"

// Ref is the loop reference of one lazily stopped io watcher; the zero Ref holds no Unref.
type Ref struct{ unrefd bool }

// Take takes back the Unref of io before io is waited on, stopped or closed.
func (r *Ref) Take(io *cev.IO) {
	if r.unrefd {
		r.unrefd = false
		_ = io.Loop().Ref()
	}
}

// Drop lets io, left active at the end of a wait, stop counting for its loop's liveness. A
// watcher that is not active (never started, or stopped by cev for a dead fd) holds no count
// to give up.
func (r *Ref) Drop(io *cev.IO) {
	if !r.unrefd && io != nil && io.IsActive() {
		r.unrefd = true
		_ = io.Loop().Unref()
	}
}
