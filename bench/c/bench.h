/*
 * Shared helpers of the C libev benchmark programs: every program includes
 * the vendored libev with geventgo's own config (ev_config.h before ev.c), so
 * it measures exactly the libev that cev compiles in, then reports one JSON
 * line per metric on stdout for bench/cmd/benchreport.
 */
#ifndef GEVENTGO_BENCH_H
#define GEVENTGO_BENCH_H

#include "ev_config.h"
#include "ev.c"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* BENCH_SCALE shrinks or grows every N (quick mode passes < 1). */
static double bench_scale(void)
{
  const char *s = getenv("BENCH_SCALE");
  double v = s ? atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

static long bench_n(long base)
{
  long n = (long)(base * bench_scale());
  return n < 1 ? 1 : n;
}

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void emit(const char *workload, const char *unit, double value)
{
  printf("{\"workload\":\"%s\",\"unit\":\"%s\",\"value\":%.3f}\n", workload, unit, value);
  fflush(stdout);
}

/* The same flags cev passes to ev_loop_new. */
static struct ev_loop *bench_loop(void)
{
  struct ev_loop *loop = ev_loop_new(EVFLAG_NOENV | EVFLAG_NOSIGMASK);
  if (!loop) {
    fprintf(stderr, "ev_loop_new failed\n");
    exit(1);
  }
  return loop;
}

static void die(const char *what)
{
  perror(what);
  exit(1);
}

#endif
