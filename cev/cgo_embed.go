//go:build !libev_system

package cev

// The vendored libev 4.33 is compiled into this package (ev_embed.c); -w
// silences libev's own warnings, -fno-strict-aliasing is what libev's
// watcher casts need.

// #cgo CFLAGS: -I${SRCDIR}/../libev -I${SRCDIR}/../libev/libev-4.33 -O2 -fno-strict-aliasing -w
// #cgo LDFLAGS: -lm
import "C"

// Embedded reports whether libev is compiled into the binary (true) or the
// system's libev is linked (build tag libev_system).
const Embedded = true
