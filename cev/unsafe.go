package cev

// #include "cev.h"
import "C"

import "unsafe"

// unsafePointer converts a C watcher header to a pointer to one of the
// views of cev.h (C memory, never Go memory).
func unsafePointer(h *C.cev_hdr) unsafe.Pointer { return unsafe.Pointer(h) }

// realActivecnt reads libev's own activecnt to check cev's tracking of it
// (embedded build only; -1 with the system libev).
func realActivecnt(l *Loop) int { return int(C.cev_real_activecnt(l.c)) }
