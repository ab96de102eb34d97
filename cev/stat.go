package cev

// #include "cev.h"
import "C"

import (
	"strings"
)

// Stat watches a path for attribute changes (ev.pod, "ev_stat - did the
// file attributes just change?"), by inotify when available, else polling
// every interval seconds (0: libev's default).
type Stat struct{ watcher }

// StatData is libev's ev_statdata (struct stat) in Go form; Nlink 0 means
// the path did not exist.
type StatData struct {
	Dev, Ino, Nlink, Rdev uint64
	Mode, UID, GID        uint32
	Size                  int64
	Atime, Mtime, Ctime   float64 // seconds since the epoch
}

func checkStatArgs(op, path string, interval float64) error {
	if path == "" || strings.IndexByte(path, 0) >= 0 {
		return errf(op, ErrInvalid, "path %q", path)
	}
	return checkTime(op, "interval", interval)
}

// NewStat creates an inactive stat watcher (ev_stat_init).
func (l *Loop) NewStat(path string, interval float64, cb func(w *Stat, revents int)) (*Stat, error) {
	if err := checkStatArgs("NewStat", path, interval); err != nil {
		return nil, err
	}
	b, err := l.newWatcher("NewStat", C.CEV_STAT, cb == nil)
	if err != nil {
		return nil, err
	}
	w := &Stat{watcher: *b}
	l.adopt(&w.watcher, func(revents int) { cb(w, revents) })
	C.cev_stat_set(w.c, C.CString(path), C.double(interval))
	return w, nil
}

// Set changes path and interval of an inactive watcher (ev_stat_set).
func (w *Stat) Set(path string, interval float64) error {
	if err := w.check("Stat.Set"); err != nil {
		return err
	}
	if err := checkStatArgs("Stat.Set", path, interval); err != nil {
		return err
	}
	if w.c.active != 0 {
		return errf("Stat.Set", ErrActive, "")
	}
	C.cev_stat_set(w.c, C.CString(path), C.double(interval))
	return nil
}

// Stat refreshes Attr now (ev_stat_stat).
func (w *Stat) Stat() error {
	if err := w.check("Stat.Stat"); err != nil {
		return err
	}
	C.cev_stat_stat(w.loop.c, w.c)
	return nil
}

func (w *Stat) get() (attr, prev StatData, interval float64) {
	if w.closed {
		return
	}
	var a, p C.cev_statdata
	var iv C.double
	C.cev_stat_get(w.c, &a, &p, &iv)
	return statData(&a), statData(&p), float64(iv)
}

func statData(d *C.cev_statdata) StatData {
	return StatData{
		Dev: uint64(d.dev), Ino: uint64(d.ino), Nlink: uint64(d.nlink), Rdev: uint64(d.rdev),
		Mode: uint32(d.mode), UID: uint32(d.uid), GID: uint32(d.gid), Size: int64(d.size),
		Atime: float64(d.atime), Mtime: float64(d.mtime), Ctime: float64(d.ctime),
	}
}

// Attr returns the most recent attributes (the attr member).
func (w *Stat) Attr() StatData { a, _, _ := w.get(); return a }

// Prev returns the attributes before the last change (the prev member).
func (w *Stat) Prev() StatData { _, p, _ := w.get(); return p }

// Interval returns the polling interval libev uses (the interval member).
func (w *Stat) Interval() float64 { _, _, i := w.get(); return i }
