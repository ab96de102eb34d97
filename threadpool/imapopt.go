package threadpool

import (
	"context"
	"errors"
	"math"

	"github.com/geventgo/geventgo/internal/imap"
	"github.com/geventgo/geventgo/lock"
)

// ErrBadMaxSize is yielded by Imap and ImapUnordered given a negative ImapMaxSize.
var ErrBadMaxSize = errors.New("imap maxsize must be >= 0")

// ImapOption tunes Imap and ImapUnordered; the zero ImapOption changes nothing. Of several
// options of the same kind, the last counts.
type ImapOption struct {
	maxSize int
	bounded bool
}

// ImapMaxSize bounds an iteration's look-ahead as gevent's imap(maxsize=n) does, as
// pool.ImapMaxSize does: at most n items are submitted ahead of the result the loop asks for
// next. While the loop body runs, at most n submitted calls are not yet yielded (returned or
// not), and while the loop waits, n besides the one it waits for; so a slow loop body holds back
// the submitting, and the results waiting to be yielded never number more than n (without it,
// they are buffered without bound). It is separate from the pool's Size, which bounds the calls
// running: the smaller bound wins. n = 0 submits each item only once the loop asks for its result
// (gevent takes maxsize=0 as no bound; here, leave the option out). A negative n makes the
// iteration yield ErrBadMaxSize and run and pull nothing.
func ImapMaxSize(n int) ImapOption { return ImapOption{maxSize: n, bounded: true} }

// imapOptions folds opts; a negative maxsize is an error of op.
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

// bound gives the iteration of cfg gevent's maxsize of n (n >= 0): a semaphore of n that the
// feeder takes before each submit and the loop gives back each time it asks for the next result
// (at the start, then after each pair its body accepted). It returns the yield that gives back.
func bound[T, R any](cfg *imap.Config[T, R, *Result[R]], op string, n int, yield func(R, error) bool) func(R, error) bool {
	// Cannot fail: n is not negative. The Release below makes it n+1, which must not wrap
	// around at math.MaxInt; n that large bounds nothing anyway.
	ahead, _ := lock.NewSemaphore(min(n, math.MaxInt-1))
	submit := cfg.Submit
	cfg.Submit = func(it T) (*Result[R], error) {
		// Only the feeder's kill at the iteration's end stops this wait, and nobody reads the
		// outcome then.
		if err := ahead.Acquire(context.Background()); err != nil {
			return nil, opErr(op, err)
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
