package cev

// #include "cev.h"
import "C"

import "unsafe"

// unsafePointer converts a C watcher header to a pointer to one of the
// views of cev.h (C memory, never Go memory).
func unsafePointer(h *C.cev_hdr) unsafe.Pointer { return unsafe.Pointer(h) }
