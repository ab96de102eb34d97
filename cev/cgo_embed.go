//go:build libev_static

package cev

// The pinned libev 4.33 (libev/libev-4.33, fetched by `make libev`) is
// compiled into this package (ev_embed.c) with geventgo's configuration
// (ev_config.h, in this directory because the go command's build cache
// tracks no header outside the package); -w silences libev's own warnings,
// -fno-strict-aliasing is what libev's watcher casts need.

// #cgo CFLAGS: -I${SRCDIR}/../libev/libev-4.33 -O2 -fno-strict-aliasing -w
// #cgo LDFLAGS: -lm
import "C"

// Embedded reports whether libev is compiled into the binary (true: build
// tag libev_static) or the system's libev is linked (false: the default).
const Embedded = true
