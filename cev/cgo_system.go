//go:build !libev_static

package cev

// The default build links the system's libev (Debian libev-dev: <ev.h>,
// -lev), so that a module that adds geventgo with `go get` builds with a
// plain `go build`.

// #cgo CFLAGS: -O2 -fno-strict-aliasing -w
// #cgo LDFLAGS: -lev -lm
import "C"

// Embedded reports whether libev is compiled into the binary (true: build
// tag libev_static) or the system's libev is linked (false: the default).
const Embedded = false
