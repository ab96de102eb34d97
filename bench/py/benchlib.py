"""Shared helpers of the gevent benchmark programs (run with /usr/bin/python3).

Each program does its work N times and prints one JSON line per metric on
stdout for bench/cmd/benchreport. BENCH_SCALE shrinks or grows every N.
"""
import json
import os
import sys
import time


def scale():
    try:
        v = float(os.environ.get("BENCH_SCALE", "1"))
    except ValueError:
        v = 1.0
    return v if v > 0 else 1.0


def n(base):
    return max(1, int(base * scale()))


def now_ns():
    return time.perf_counter_ns()


def emit(workload, unit, value):
    sys.stdout.write(json.dumps({"workload": workload, "unit": unit, "value": round(value, 3)}) + "\n")
    sys.stdout.flush()


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
