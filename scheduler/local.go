package scheduler

import (
	"sync/atomic"
	"weak"
)

// Local is gevent.local for one value of type T: every greenlet has its own
// value, which it sets and reads without seeing any other greenlet's. As in
// gevent, a greenlet starts with no value, whatever the greenlet that
// spawned it had set: values are not inherited. The hub's main greenlet,
// the hub greenlet (callbacks and links run there, so they share one value)
// and every spawned greenlet, raw ones and Link callbacks included, are
// greenlets of their own.
//
// A greenlet's values are dropped when it ends, and a Local that is no
// longer referenced anywhere does not keep its values alive in the
// greenlets that set it (gevent holds a weak reference for the same
// reason). A greenlet that never uses a Local pays nothing for it.
//
// The zero Local is ready to use and may be shared by the greenlets of
// every hub (a package-level variable). Its methods act on the calling
// greenlet's value, so they need no lock; from a goroutine that is no
// greenlet of a hub, Get finds nothing and Set and Delete return
// ErrNotGreenlet.
type Local[T any] struct {
	// New, when set, makes the calling greenlet's value the first time Get
	// finds none there, as gevent calls a local subclass's __init__ once in
	// every greenlet that uses the local. It runs in the calling greenlet.
	New func() T

	key atomic.Pointer[localKey]
}

// localKey identifies one Local in the greenlets' stores. The stores hold
// it weakly (self), so that a Local nobody references any more is
// collected with its key; its entries are dropped when a store next grows.
type localKey struct{ self weak.Pointer[localKey] }

// localEntry is one Local's value in one greenlet: val is a *T, reused by
// every later Set of that greenlet.
type localEntry struct {
	key weak.Pointer[localKey]
	val any
}

// keyOf returns l's key, making it on first use.
func (l *Local[T]) keyOf() *localKey {
	if k := l.key.Load(); k != nil {
		return k
	}
	k := &localKey{}
	k.self = weak.Make(k)
	if l.key.CompareAndSwap(nil, k) {
		return k
	}
	return l.key.Load()
}

// Get returns the calling greenlet's value and true, or, when the greenlet
// has none, New's value (stored as the greenlet's) and true, or the zero
// value and false without New. Outside a greenlet (and for a nil Local) it
// returns the zero value and false, without calling New.
func (l *Local[T]) Get() (T, bool) {
	var zero T
	if l == nil {
		return zero, false
	}
	c := currentCtx()
	if c == nil {
		return zero, false
	}
	if k := l.key.Load(); k != nil {
		if p, ok := c.localFind(k).(*T); ok {
			return *p, true
		}
	}
	if l.New == nil {
		return zero, false
	}
	v := l.New()
	l.set(c, v)
	return v, true
}

// Set sets the calling greenlet's value. It returns ErrNotGreenlet outside
// a greenlet and ErrNilArgument for a nil Local.
func (l *Local[T]) Set(v T) error {
	if l == nil {
		return opErr("Local.Set", ErrNilArgument)
	}
	c := currentCtx()
	if c == nil {
		return opErr("Local.Set", errNoHub)
	}
	l.set(c, v)
	return nil
}

func (l *Local[T]) set(c *gctx, v T) {
	k := l.keyOf()
	if p, ok := c.localFind(k).(*T); ok {
		*p = v
		return
	}
	p := new(T)
	*p = v
	c.localAdd(k, p)
}

// Delete removes the calling greenlet's value, if it has one: the next Get
// finds none (or calls New). It returns ErrNotGreenlet outside a greenlet
// and ErrNilArgument for a nil Local.
func (l *Local[T]) Delete() error {
	if l == nil {
		return opErr("Local.Delete", ErrNilArgument)
	}
	c := currentCtx()
	if c == nil {
		return opErr("Local.Delete", errNoHub)
	}
	if k := l.key.Load(); k != nil {
		c.localDelete(k)
	}
	return nil
}

// localFind returns the greenlet's value for k (a *T), nil if it has none.
// A greenlet holds few locals, so a scan beats a map.
func (c *gctx) localFind(k *localKey) any {
	for i := range c.locals {
		if c.locals[i].key == k.self {
			return c.locals[i].val
		}
	}
	return nil
}

// localAdd stores a value for k, first dropping the entries of Locals that
// were collected.
func (c *gctx) localAdd(k *localKey, p any) {
	live := c.locals[:0]
	for _, e := range c.locals {
		if e.key.Value() != nil {
			live = append(live, e)
		}
	}
	clear(c.locals[len(live):])
	c.locals = append(live, localEntry{key: k.self, val: p})
}

func (c *gctx) localDelete(k *localKey) {
	for i := range c.locals {
		if c.locals[i].key == k.self {
			last := len(c.locals) - 1
			c.locals[i] = c.locals[last]
			c.locals[last] = localEntry{}
			c.locals = c.locals[:last]
			return
		}
	}
}
