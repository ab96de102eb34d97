package cev

// #include "cev.h"
import "C"

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Signal is ev_signal built on os/signal (ev.pod, WATCHER TYPES / ev_signal
// - signal me when a signal gets signalled!): libev's own signal handlers are
// compiled out because Go owns the process's signal handling. Every active
// watcher on a signal is fed EV_SIGNAL in the loop's thread once per
// delivery noticed (several deliveries before the loop wakes coalesce, as
// in libev). While a watcher is active the signal is not delivered to Go's
// default handling (os/signal.Notify semantics).
type Signal struct {
	watcher
	signum syscall.Signal
}

// NewSignal creates an inactive signal watcher (ev_signal_init; ev.pod,
// WATCHER TYPES / ev_signal - signal me when a signal gets signalled! /
// Watcher-Specific Functions and Data Members). SIGKILL and SIGSTOP cannot
// be caught and return ErrInvalid.
func (l *Loop) NewSignal(signum syscall.Signal, cb func(w *Signal, revents int)) (*Signal, error) {
	if err := l.check("NewSignal"); err != nil {
		return nil, err
	}
	if signum <= 0 || signum >= 65 || signum == syscall.SIGKILL || signum == syscall.SIGSTOP {
		return nil, errf("NewSignal", ErrInvalid, "signal %d", int(signum))
	}
	b, err := l.newWatcher("NewSignal", C.CEV_SIGNAL, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Signal{watcher: *b, signum: signum}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	l.sig.owner[&w.watcher] = w
	return w, nil
}

// Signum returns the watched signal (the signum member; ev.pod, WATCHER
// TYPES / ev_signal - signal me when a signal gets signalled! /
// Watcher-Specific Functions and Data Members), 0 for a nil or closed
// watcher.
func (w *Signal) Signum() syscall.Signal {
	if !w.base().live() {
		return 0
	}
	return w.signum
}

// sigState is the loop's bridge from os/signal: one goroutine per watched
// signal records deliveries and wakes the loop through its internal
// ev_async; the loop then feeds the watchers.
type sigState struct {
	owner    map[*watcher]*Signal
	watchers map[syscall.Signal][]*Signal
	relays   map[syscall.Signal]*sigRelay

	mu       sync.Mutex
	received map[syscall.Signal]bool
}

type sigRelay struct {
	ch   chan os.Signal
	quit chan struct{}
	done chan struct{}
}

func (s *sigState) init() {
	if s.owner == nil {
		s.owner = map[*watcher]*Signal{}
		s.watchers = map[syscall.Signal][]*Signal{}
		s.relays = map[syscall.Signal]*sigRelay{}
		s.received = map[syscall.Signal]bool{}
	}
}

func (l *Loop) signalStart(w *watcher) error {
	if w.c.active != 0 {
		return nil
	}
	sw := l.sig.owner[w]
	l.sig.watchers[sw.signum] = append(l.sig.watchers[sw.signum], sw)
	if l.sig.relays[sw.signum] == nil {
		r := &sigRelay{ch: make(chan os.Signal, 1), quit: make(chan struct{}), done: make(chan struct{})}
		signal.Notify(r.ch, sw.signum)
		l.sig.relays[sw.signum] = r
		go l.relaySignals(sw.signum, r)
	}
	C.cev_start(l.c, w.c)
	return nil
}

func (l *Loop) relaySignals(signum syscall.Signal, r *sigRelay) {
	defer close(r.done)
	for {
		select {
		case <-r.ch:
			l.sig.mu.Lock()
			l.sig.received[signum] = true
			l.sig.mu.Unlock()
			l.sendMu.RLock()
			if !l.closed {
				C.cev_wake(l.c)
			}
			l.sendMu.RUnlock()
		case <-r.quit:
			return
		}
	}
}

func (l *Loop) signalStop(w *watcher) {
	if w.c.active == 0 {
		return
	}
	sw := l.sig.owner[w]
	list := l.sig.watchers[sw.signum]
	for i, x := range list {
		if x == sw {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) > 0 {
		l.sig.watchers[sw.signum] = list
		return
	}
	delete(l.sig.watchers, sw.signum)
	if r := l.sig.relays[sw.signum]; r != nil {
		delete(l.sig.relays, sw.signum)
		signal.Stop(r.ch)
		close(r.quit)
		<-r.done
	}
}

func (s *sigState) stopAll() {
	for signum, r := range s.relays {
		signal.Stop(r.ch)
		close(r.quit)
		<-r.done
		delete(s.relays, signum)
	}
}

// handleWake runs (as the internal ev_async's callback) on the loop's
// goroutine: feed every watcher of every signal received.
func (l *Loop) handleWake(int) {
	l.sig.mu.Lock()
	var got []syscall.Signal
	for s := range l.sig.received {
		got = append(got, s)
	}
	clear(l.sig.received)
	l.sig.mu.Unlock()
	for _, s := range got {
		for _, w := range l.sig.watchers[s] {
			l.feed(&w.watcher, uint32(w.c.gen), EV_SIGNAL)
		}
	}
}

// Child is ev_child built on a pidfd (ev.pod, WATCHER TYPES / ev_child -
// watch out for process status changes): when process pid exits, the
// watcher reaps it (waitpid) and its callback gets EV_CHILD with Rpid and
// Rstatus set, as does every other started Child of the loop on that pid
// (libev's child_reap). The watcher stays active until stopped, as in libev;
// if someone else reaped the process first (os/exec, another loop), its
// callback gets EV_CHILD|EV_ERROR with Rpid 0 and it is stopped. Only a
// specific pid of a child of this process is supported (libev's pid 0,
// "any child", would steal os/exec's children) and trace (stop/continue
// reports) is not. Do not also Wait for the same process through os/exec.
type Child struct {
	watcher
	pid int
}

// NewChild creates an inactive child watcher for pid (ev_child_init with
// trace 0; ev.pod, WATCHER TYPES / ev_child - watch out for process status
// changes / Watcher-Specific Functions and Data Members). Start fails with
// ESRCH if there is no such process.
func (l *Loop) NewChild(pid int, cb func(w *Child, revents int)) (*Child, error) {
	if err := l.check("NewChild"); err != nil {
		return nil, err
	}
	if pid <= 0 {
		return nil, errf("NewChild", ErrInvalid, "pid %d (only a specific child pid is supported)", pid)
	}
	b, err := l.newWatcher("NewChild", C.CEV_CHILD, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Child{watcher: *b, pid: pid}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	C.cev_child_set(w.c, C.int(pid))
	return w, nil
}

// Pid returns the watched pid (the pid member; ev.pod, WATCHER TYPES /
// ev_child - watch out for process status changes / Watcher-Specific
// Functions and Data Members), 0 for a nil or closed watcher.
func (w *Child) Pid() int {
	if !w.base().live() {
		return 0
	}
	return w.pid
}

// Rpid returns the pid whose status was reported (the rpid member; ev.pod,
// WATCHER TYPES / ev_child - watch out for process status changes /
// Watcher-Specific Functions and Data Members), 0 before the process
// exited and for a nil or closed watcher.
func (w *Child) Rpid() int {
	if !w.base().live() {
		return 0
	}
	var rpid, st C.int
	C.cev_child_get(w.c, &rpid, &st)
	return int(rpid)
}

// Rstatus returns the raw wait status (the rstatus member; ev.pod, WATCHER
// TYPES / ev_child - watch out for process status changes /
// Watcher-Specific Functions and Data Members), typed so that its methods
// decode it; 0 for a nil or closed watcher.
func (w *Child) Rstatus() syscall.WaitStatus {
	if !w.base().live() {
		return 0
	}
	var rpid, st C.int
	C.cev_child_get(w.c, &rpid, &st)
	return syscall.WaitStatus(st)
}
