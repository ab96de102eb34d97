// Package event provides gevent's Event and AsyncResult, and Links, the
// gevent AbstractLinkable machinery that the other primitives build on.
//
// # The notification rules (gevent's AbstractLinkable)
//
// Making an object ready (Event.Set, AsyncResult.Set, a semaphore release)
// never switches greenlets. It schedules one hub callback (RunCallback) that
// calls the links in the order they were added; greenlets blocked in Wait
// are links too, so they wake in FIFO order, from the hub. A greenlet that
// calls Wait on an object that is already ready returns at once, unless a
// notification is still pending: then it waits for that notification and
// wakes after the greenlets that had to block (gevent's
// arrived_while_waiting).
//
// # Goroutines
//
// Event.Set, Event.Clear, Event.IsSet and the AsyncResult setters and
// readers are goroutine-safe: called from a goroutine that is not a
// greenlet of the object's hub, they hand the notification to the hub with
// Hub.Post, as gevent allows set() from another thread. A hub does not stay
// alive just because some goroutine may call Set later: hold Hub.KeepAlive
// (or run the goroutine with scheduler.RunBlocking) while waiting for one.
// Everything that blocks or registers links is hub-affine.
package event
