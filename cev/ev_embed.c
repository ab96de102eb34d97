//go:build libev_static

/* libev 4.33 compiled into the cev package (ev.pod, EMBEDDING), with the
 * glue in the same translation unit because EV_API_STATIC makes libev's
 * functions static. */
#include "ev_config.h"

#if !__has_include("ev.c")
#error "libev 4.33 source missing: run 'make libev' (or build without -tags libev_static after 'apt-get install libev-dev')"
#endif

#include "ev.c"

#define CEV_EMBEDDED 1
#include "cev_glue.h"
