package pool

import (
	"context"
	"math"

	"github.com/geventgo/geventgo/internal/imap"
	"github.com/geventgo/geventgo/lock"
	"github.com/geventgo/geventgo/scheduler"
)

// ImapOption tunes Imap and ImapUnordered; the zero ImapOption changes
// nothing. Of several options of the same kind, the last counts.
type ImapOption struct {
	maxSize int
	bounded bool
}

// ImapMaxSize bounds an iteration's look-ahead as gevent's imap(maxsize=n)
// does: at most n items are spawned ahead of the result the loop asks for
// next. While the loop body runs, at most n spawned results are not yet
// yielded (finished or not), and while the loop waits, n besides the one it
// waits for; a slow loop body so holds back the spawning, even on a Group.
// It is
// separate from a Pool's size: the smaller bound wins. n = 0 spawns each
// item only once the loop asks for its result (gevent takes maxsize=0 as
// no bound; here, leave the option out). A negative n makes the iteration
// yield ErrBadMaxSize and run nothing.
func ImapMaxSize(n int) ImapOption { return ImapOption{maxSize: n, bounded: true} }

// imapOptions folds opts; a negative maxsize is an error.
func imapOptions(op string, opts []ImapOption) (ImapOption, error) {
	var o ImapOption
	for _, x := range opts {
		if x.bounded {
			o = x
		}
	}
	if o.bounded && o.maxSize < 0 {
		return o, &Error{Op: op, Err: ErrBadMaxSize}
	}
	return o, nil
}

// bound gives the iteration of cfg gevent's maxsize of n (n >= 0): a
// semaphore of n that the feeder takes before each spawn and the loop gives
// back each time it asks for the next result (at the start, then after each
// pair its body accepted). It returns the yield that gives back.
func bound[T, R any](cfg *imap.Config[T, R, *scheduler.Greenlet[R]], op string, n int, yield func(R, error) bool) func(R, error) bool {
	// Cannot fail: n is not negative. The Release below makes it n+1: at
	// math.MaxInt that wrapped around to a negative counter (now refused),
	// and nothing ever ran. n that large bounds nothing anyway.
	ahead, _ := lock.NewSemaphore(min(n, math.MaxInt-1))
	submit := cfg.Submit
	cfg.Submit = func(it T) (*scheduler.Greenlet[R], error) {
		// Only the feeder's kill at the iteration's end stops this wait,
		// and nobody reads the outcome then.
		if err := ahead.Acquire(context.Background()); err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		return submit(it)
	}
	_, _ = ahead.Release()
	return func(v R, err error) bool {
		if !yield(v, err) {
			return false
		}
		_, _ = ahead.Release()
		return true
	}
}
