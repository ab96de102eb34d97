package threadpool

import "errors"

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
