// Package geventsuite holds the Go twins of the gevent cross-check scenarios,
// each checked against the Python gevent script of the same name in testdata/.
//
// A file holds the scenarios of one subject and is named for it, which is the
// first word of their names: timeout_* and with_timeout in timeout.go, kill_*
// in kill.go, killall_* in killall.go, joinall_* in joinall.go, wait_* and
// iwait_* in wait.go, and so on. The Greenlet object itself (state, names,
// getcurrent, an uncaught error, a body raising GreenletExit) is greenlet.go;
// the hub's own behaviour (the blocking detector, the switch interval) is
// hub.go. gevent's primitives are in prim_<module>.go (prim_event.go also
// holds AsyncResult, prim_queue.go Channel, prim_pool.go Group), its
// cooperative I/O in io_<module>.go. Helpers that twins of several files use
// are in helpers.go.
package geventsuite
