// Package hubhook holds what package scheduler lends the packages above it in this module and
// no one else: hooks into the hub that are not part of scheduler's API. Package scheduler sets
// them when it is initialised, before code that imports it can run.
package hubhook

// PanicUnderGoexit reports err on the error handler of h, a *scheduler.Hub, as the one report
// of an escape from a callback h runs: a panic that a deferred call raised while the callback
// unwound from runtime.Goexit, and that a recover above it stopped. Called on h's hub greenlet
// it also tells h that the Goexit the runtime resumes next was reported with err, and, as
// Report, that what escapes the handler meanwhile escaped the handler; anywhere else it is h's
// HandleError.
var PanicUnderGoexit func(h any, err error)

// Report reports err, a panic that a callback h runs recovered and reports itself (event's
// round of links, a link's panic), on the error handler of h, a *scheduler.Hub. Called on h's
// hub greenlet it also tells h that what escapes the handler meanwhile escaped the handler, so
// that the hub names it so; anywhere else it is h's HandleError.
var Report func(h any, err error)
