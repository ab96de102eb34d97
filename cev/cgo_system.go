//go:build libev_system

package cev

// #cgo CFLAGS: -O2 -fno-strict-aliasing -w
// #cgo LDFLAGS: -lev -lm
import "C"

// Embedded reports whether libev is compiled into the binary (true) or the
// system's libev is linked (build tag libev_system).
const Embedded = false
