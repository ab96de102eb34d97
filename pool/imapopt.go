package pool

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
