/*
 * Compile-time checks of the libev that ev_system.c (<ev.h>) or ev_embed.c
 * (the vendored ev.c) has just included: libev 4 with what cev_glue.h uses.
 * One #if/#elif chain, so at most one check fails; a failed check defines
 * CEV_LIBEV_UNFIT and the includer then leaves cev_glue.h out, so the
 * build prints that one error and not one per libev name in the glue.
 *
 * The run-time counterpart (the linked libev against these headers,
 * ev.pod, GLOBAL FUNCTIONS, ev_version_major) is cev_version and Go's
 * checkVersion.
 */
#ifndef CEV_CHECK_H
#define CEV_CHECK_H

/* CEV_FAIL(text) is an error whose text has its macros expanded, so that
 * it can say which version it found (#error expands nothing). The text
 * must not name a macro it means literally. */
#define CEV_STR_(...) #__VA_ARGS__
#define CEV_STR(...) CEV_STR_(__VA_ARGS__)
#define CEV_PRAGMA_(...) _Pragma(#__VA_ARGS__)
#define CEV_PRAGMA(...) CEV_PRAGMA_(__VA_ARGS__)
#define CEV_FAIL(...) CEV_PRAGMA(GCC error CEV_STR(__VA_ARGS__))

#if !defined(EV_VERSION_MAJOR) || !defined(EV_VERSION_MINOR)
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: the <ev.h> found defines no EV_VERSION_MAJOR/EV_VERSION_MINOR, so it is not libev's: apt-get install libev-dev, or make libev and build with -tags libev_static"
#elif EV_VERSION_MAJOR != 4
#define CEV_LIBEV_UNFIT 1
CEV_FAIL(geventgo/cev: found libev EV_VERSION_MAJOR.EV_VERSION_MINOR but cev needs libev 4 (4.11 or later; tested with 4.33): apt-get install libev-dev, or make libev and build with -tags libev_static)
/* 4.11 made ev_timer_again clear a pending event (libev's Changes), which
 * cev_timer_again relies on; 4.03 added EVFLAG_NOSIGMASK. */
#elif EV_VERSION_MINOR < 11
#define CEV_LIBEV_UNFIT 1
CEV_FAIL(geventgo/cev: found libev EV_VERSION_MAJOR.EV_VERSION_MINOR but cev needs libev 4.11 or later (tested with 4.33): apt-get install libev-dev, or make libev and build with -tags libev_static)
#elif !EV_PROTOTYPES
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: <ev.h> was included with EV_PROTOTYPES 0 (no function declarations); cev needs them: do not define EV_PROTOTYPES"
#elif !EV_MULTIPLICITY
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has EV_MULTIPLICITY 0 (one loop only); cev needs ev_loop_new: use a libev built with its defaults (apt-get install libev-dev), or make libev and build with -tags libev_static"
#elif !EV_FEATURE_API
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev lacks EV_FEATURE_API (ev_set_userdata, ev_set_invoke_pending_cb, ev_iteration, ...); cev needs it: use a libev built with its default EV_FEATURES"
#elif EV_MINPRI != -2 || EV_MAXPRI != 2
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has a priority range other than EV_MINPRI -2 .. EV_MAXPRI 2; cev's pending stacks assume libev's default range: use a libev built with its defaults"
#elif !EV_PERIODIC_ENABLE
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has no ev_periodic (EV_PERIODIC_ENABLE 0); cev wraps it: use a libev built with its default watchers"
#elif !EV_STAT_ENABLE
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has no ev_stat (EV_STAT_ENABLE 0); cev wraps it: use a libev built with its default watchers"
#elif !EV_IDLE_ENABLE
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has no ev_idle (EV_IDLE_ENABLE 0); cev wraps it: use a libev built with its default watchers"
#elif !EV_PREPARE_ENABLE || !EV_CHECK_ENABLE
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has no ev_prepare or no ev_check (EV_PREPARE_ENABLE or EV_CHECK_ENABLE 0); cev wraps both: use a libev built with its default watchers"
#elif !EV_FORK_ENABLE
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has no ev_fork (EV_FORK_ENABLE 0); cev wraps it: use a libev built with its default watchers"
#elif !EV_CLEANUP_ENABLE
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has no ev_cleanup (EV_CLEANUP_ENABLE 0); cev wraps it: use a libev built with its default watchers"
#elif !EV_ASYNC_ENABLE
#define CEV_LIBEV_UNFIT 1
#error "geventgo/cev: this libev has no ev_async (EV_ASYNC_ENABLE 0); cev wraps it and wakes its loop with one: use a libev built with its default watchers"
#endif

#endif
