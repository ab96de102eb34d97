// Package sentinel makes the sentinel errors of the packages in this module that are one kind of
// another package's sentinel (a closed threadpool is closed): their text names only what
// happened ("threadpool closed", not "threadpool closed: closed"), and errors.Is matches both.
package sentinel

// Of returns a new sentinel error with text msg that errors.Is matches to itself and to kind.
func Of(kind error, msg string) error { return &kindError{msg: msg, kind: kind} }

type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }

// Is reports whether target is the kind e is one of (e itself is matched by identity).
func (e *kindError) Is(target error) bool { return target == e.kind }
