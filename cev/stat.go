package cev

// #include "cev.h"
import "C"

import (
	"strings"
)

// Stat watches a path for attribute changes (ev.pod, WATCHER TYPES /
// ev_stat - did the file attributes just change?), by inotify when
// available, else polling every interval seconds (0: libev's default).
type Stat struct{ watcher }

// StatData is libev's ev_statdata (struct stat) in Go form (ev.pod,
// WATCHER TYPES / ev_stat - did the file attributes just change? /
// Watcher-Specific Functions and Data Members, the attr member). It holds
// the POSIX members libev compares to detect a change, copied out of C
// memory so that it stays valid after the watcher is closed.
type StatData struct {
	Dev   uint64  // st_dev: device holding the file
	Ino   uint64  // st_ino: inode number
	Nlink uint64  // st_nlink: 0 means the stat failed, e.g. the path does not exist
	Rdev  uint64  // st_rdev: device number of a device file
	Mode  uint32  // st_mode: file type and permission bits
	UID   uint32  // st_uid: owner
	GID   uint32  // st_gid: group
	Size  int64   // st_size: size in bytes
	Atime float64 // st_atim: last access, seconds since the epoch (libev compares whole seconds)
	Mtime float64 // st_mtim: last modification, as Atime
	Ctime float64 // st_ctim: last status change, as Atime
}

func checkStatArgs(op, path string, interval float64) error {
	if path == "" || strings.IndexByte(path, 0) >= 0 {
		return errf(op, ErrInvalid, "path %q", path)
	}
	return checkTime(op, "interval", interval)
}

// NewStat creates an inactive stat watcher (ev_stat_init; ev.pod, WATCHER
// TYPES / ev_stat - did the file attributes just change? / Watcher-Specific
// Functions and Data Members); interval 0 lets libev choose. The path is
// copied to C memory because libev reads it for as long as the watcher is
// active.
func (l *Loop) NewStat(path string, interval float64, cb func(w *Stat, revents int)) (*Stat, error) {
	if err := l.check("NewStat"); err != nil {
		return nil, err
	}
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

// Set changes path and interval of an inactive watcher (ev_stat_set;
// ev.pod, WATCHER TYPES / ev_stat - did the file attributes just change? /
// Watcher-Specific Functions and Data Members). An active watcher returns
// ErrActive.
func (w *Stat) Set(path string, interval float64) error {
	if err := w.base().check("Stat.Set"); err != nil {
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

// Stat refreshes Attr now (ev_stat_stat; ev.pod, WATCHER TYPES / ev_stat -
// did the file attributes just change? / Watcher-Specific Functions and
// Data Members), for example so that a change the callback makes itself is
// not reported.
func (w *Stat) Stat() error {
	if err := w.base().check("Stat.Stat"); err != nil {
		return err
	}
	C.cev_stat_stat(w.loop.c, w.c)
	return nil
}

func (w *Stat) get() (attr, prev StatData, interval float64) {
	if !w.base().live() {
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

// Attr returns the most recent attributes (the attr member; ev.pod, WATCHER
// TYPES / ev_stat - did the file attributes just change? /
// Watcher-Specific Functions and Data Members), the zero StatData for a nil
// or closed watcher.
func (w *Stat) Attr() StatData { a, _, _ := w.get(); return a }

// Prev returns the attributes before the last change (the prev member;
// ev.pod, WATCHER TYPES / ev_stat - did the file attributes just change? /
// Watcher-Specific Functions and Data Members), the zero StatData for a nil
// or closed watcher.
func (w *Stat) Prev() StatData { _, p, _ := w.get(); return p }

// Interval returns the interval member (ev.pod, WATCHER TYPES / ev_stat -
// did the file attributes just change? / Watcher-Specific Functions and
// Data Members): as given, until Start raises a nonzero value below libev's
// minimum; 0 for a nil or closed watcher.
func (w *Stat) Interval() float64 { _, _, i := w.get(); return i }
