//go:build libev_static

/* libev 4.33 compiled into the cev package (ev.pod, EMBEDDING), with the
 * glue in the same translation unit because EV_API_STATIC makes libev's
 * functions static.
 *
 * Each failed check stops this translation unit at its one error: what
 * follows it sits in an #else branch, because gcc goes on after #error and
 * also silently skips an #include of a file that an earlier __has_include
 * found missing, so every libev name in the glue would add an error. */
#if !__has_include("ev.c")
#error "geventgo/cev: -tags libev_static needs libev 4.33's source in libev/libev-4.33: run make libev in a clone of geventgo, or build without the tag after apt-get install libev-dev"
#else
#include "ev_config.h"
#include "ev.c"
#include "cev_check.h"
#ifndef CEV_LIBEV_UNFIT
#define CEV_EMBEDDED 1
#include "cev_glue.h"
#endif
#endif
