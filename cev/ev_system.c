//go:build !libev_static

/* cev against the system's libev (Debian libev-dev), linked with -lev. */
#include <ev.h>

#include "cev_glue.h"
