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

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static void *bench_sleeper(void *arg)
{
  for (;;)
    pause();
  return arg;
}

/* The arguments of the loop programs: [metric [threaded]]. metric names the
 * result (the program's own name by default). "threaded" first starts one
 * more thread that only sleeps: the process's file table is then shared, so
 * the kernel takes and drops a reference on the file behind every fd a system
 * call uses (fdget/fdput), which a single-threaded process skips and every Go
 * process, having several threads, pays. */
static const char *bench_args(int argc, char **argv, const char *metric)
{
  if (argc > 2 && strcmp(argv[2], "threaded") == 0) {
    pthread_t t;
    if (pthread_create(&t, NULL, bench_sleeper, NULL) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      exit(1);
    }
  }
  return argc > 1 ? argv[1] : metric;
}

#endif
