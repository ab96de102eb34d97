// Package labelwait lends the packages above event and lock in this module, and no one else,
// the waits of an event.Event and a lock.Semaphore under a label of their own: a greenlet in
// them shows that label (the caller's call: JoinableQueue.Join, pool.Spawn) in runinfo and
// LoopExit's report, where Event.Wait and Semaphore.Acquire show their own names. Packages event
// and lock set the hooks when they are initialised, before code that imports them can run.
package labelwait

import "context"

// EventWait is Wait of e, an *event.Event, for a greenlet shown waiting on label; its errors
// name label.
var EventWait func(e any, ctx context.Context, label string) error

// SemaphoreAcquire is Acquire of s, a *lock.Semaphore, for a greenlet shown waiting on label;
// its errors name label.
var SemaphoreAcquire func(s any, ctx context.Context, label string) error

// SemaphoreWait is Wait of s, a *lock.Semaphore, for a greenlet shown waiting on label; its
// errors name label.
var SemaphoreWait func(s any, ctx context.Context, label string) (int, error)
