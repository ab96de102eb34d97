//go:build !libev_static

/* cev against the system's libev (Debian libev-dev: <ev.h>, linked with
 * -lev). The checks nest as in ev_embed.c, so that a missing or unfit
 * libev is one error line. */
#if !__has_include(<ev.h>)
#error "geventgo/cev: libev not found (no <ev.h>): apt-get install libev-dev (or make libev and build with -tags libev_static)"
#else
#include <ev.h>
#include "cev_check.h"
#ifndef CEV_LIBEV_UNFIT
#include "cev_glue.h"
#endif
#endif
