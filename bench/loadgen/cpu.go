package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

// edges calls at(0) at start and at(1) at end, from its own goroutine; the
// first error stops it.
type edges struct {
	done chan struct{}
	err  error
}

func atEdges(start, end time.Time, at func(edge int) error) *edges {
	e := &edges{done: make(chan struct{})}
	go func() {
		defer close(e.done)
		for i, t := range []time.Time{start, end} {
			time.Sleep(time.Until(t))
			if e.err = at(i); e.err != nil {
				return
			}
		}
	}()
	return e
}

// wait waits for both edges and returns the first error.
func (e *edges) wait() error {
	<-e.done
	return e.err
}

// cpuSample is a process's CPU time at one instant: the precise total and
// /proc's tick counts that split it.
type cpuSample struct {
	at        time.Time
	cpu       time.Duration
	user, sys time.Duration
}

func sample(pid int) (cpuSample, error) {
	s := cpuSample{at: time.Now()}
	var err error
	if s.cpu, err = benchio.ProcessCPU(pid); err != nil {
		return s, err
	}
	s.user, s.sys, err = benchio.ProcessTimes(pid)
	return s, err
}

// cpuWindow samples a process's CPU time at the start and at the end of the
// measuring window.
type cpuWindow struct {
	edges   *edges
	samples [2]cpuSample
}

// watchCPU starts sampling process pid at start and at end.
func watchCPU(pid int, start, end time.Time) *cpuWindow {
	w := &cpuWindow{}
	w.edges = atEdges(start, end, func(i int) (err error) {
		w.samples[i], err = sample(pid)
		return err
	})
	return w
}

// errNoTicks is returned when the server used too little CPU in the window
// for /proc's ticks to split it.
var errNoTicks = errors.New("loadgen: the server's /proc tick counts did not move in the window")

// perRequest waits for the window's end and returns the server's CPU time
// per request, in total and its system part, in nanoseconds. The requests
// in the window are rps times the time between the two samples (which may
// each be a little late), so a late sample does not skew the ratio.
func (w *cpuWindow) perRequest(rps float64) (cpuNs, sysNs float64, err error) {
	if err := w.edges.wait(); err != nil {
		return 0, 0, fmt.Errorf("loadgen: server CPU: %w", err)
	}
	return cpuPerRequest(w.samples[0], w.samples[1], rps)
}

func cpuPerRequest(first, end cpuSample, rps float64) (cpuNs, sysNs float64, err error) {
	reqs := rps * end.at.Sub(first.at).Seconds()
	if !(reqs > 0) {
		return 0, 0, fmt.Errorf("loadgen: no requests in the CPU window (%v req/s)", rps)
	}
	cpuNs = float64((end.cpu - first.cpu).Nanoseconds()) / reqs
	ticks := (end.user - first.user) + (end.sys - first.sys)
	if ticks <= 0 {
		return 0, 0, errNoTicks
	}
	return cpuNs, cpuNs * float64(end.sys-first.sys) / float64(ticks), nil
}
