// Package event provides gevent's Event and AsyncResult, and Links, gevent's
// AbstractLinkable: the list of links of an object that becomes ready and its
// one pending notification, on which the lock package's semaphores (and any
// user type) build.
//
// # Notification (gevent's AbstractLinkable)
//
// Making an object ready (Event.Set, AsyncResult.Set, a semaphore release)
// never switches greenlets. It schedules one hub callback (RunCallback) that
// calls the links in the order they were added; greenlets blocked in Wait are
// links too, so they wake in FIFO order, from the hub. A greenlet that calls
// Wait on an object that is already ready returns at once, unless a
// notification is still pending: then it waits for that notification and wakes
// after the greenlets that had to block (gevent's arrived_while_waiting), and
// returns nil even if its context ended meanwhile or before (gevent ignores the
// timeout there too); one that arrives after that round's last greenlet wakes
// in the next round, which comes even if the object is no longer ready (in
// gevent it waits for the next set, whatever its timeout). A link that panics
// is reported to the hub's error handler and the round goes on with the next
// link (a panic(nil) too under GODEBUG=panicnil=1, reported with a nil
// value); one that calls runtime.Goexit ends the round, which the hub
// reports, and the links not called yet are called in the next round. A
// panic that a link's deferred call raises while the link unwinds from
// Goexit is reported once, as that panic, and ends the round the same way.
//
// A round of an Event's links started on the hub calls every link present,
// as gevent's notifier does: a Wait begun on the hub after Set and Clear,
// while the Set's round is pending, is woken by it (gevent's wait returns
// True there). A round that a Set from another goroutine started calls only
// the links the flag was set for (present when it was set, or added while
// it was set): a greenlet that starts waiting after a Clear that followed
// that Set waits for the next Set, unless the event is set on the hub before
// the round runs, which then calls every link present, as the round that
// Set would have started.
//
// # Goroutines
//
// Goroutine-safe: Event's Set, Clear, IsSet and Ready; AsyncResult's Set,
// SetError, Ready, Successful, Value, Err and TryGet; every Hub method, and
// Links.NotifyAny. Called from a goroutine that is not a greenlet of the
// object's hub, a setter hands the notification to the hub with Hub.Post, as
// gevent allows set() from another thread. A hub does not stay alive just
// because some goroutine may call Set later: hold Hub.KeepAlive (or run the
// goroutine with scheduler.RunBlocking) while waiting for one.
//
// Everything else is hub-affine. From a goroutine that is not a greenlet of
// the object's hub, Wait and Get return an error matching ErrNotGreenlet,
// Rawlink links nothing (it returns 0), Unlink and Links.CheckAndNotify do
// nothing, and LinkCount (Links.Len), a read the hub's writes race with, is
// not to be asked there; Wait and Get are refused the same way from the hub
// greenlet itself (a callback or a link), which must never block. No call
// creates a hub.
//
// # Waiting
//
// Wait and Get take a context first and, when it ends first, return an
// *Error naming the call that wraps scheduler.ContextError's error (as every
// wait of the module does, see package scheduler); an error thrown into the
// waiting greenlet (Kill's GreenletExit, even a Kill with context.Canceled
// while ctx lives, a *scheduler.Timeout, a *scheduler.LoopExitError when
// nothing can make the object ready) comes back as it is, not named. The
// packages built on these (queue, pool, server) report a context's end
// under their own call's name, in place of this one. A wait that ends early
// removes its link: a killed waiter leaves nothing behind, and the object's
// other waiters are woken as if it had never waited. Destroying the hub ends
// its waits with GreenletExit.
//
// # Zero values
//
// The zero Event is unset, the zero AsyncResult holds no result and the zero
// Links has no link: none needs a constructor. Each binds to the hub of the
// first greenlet that links or waits on it (scheduler.Binding); once that hub
// is destroyed it binds again to the next hub that uses it, its old links
// dropped.
package event
