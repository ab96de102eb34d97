package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

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
// measuring window, from its own goroutine.
type cpuWindow struct {
	done       chan struct{}
	first, end cpuSample
	err        error
}

// watchCPU starts sampling process pid at start and at end.
func watchCPU(pid int, start, end time.Time) *cpuWindow {
	w := &cpuWindow{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		time.Sleep(time.Until(start))
		if w.first, w.err = sample(pid); w.err != nil {
			return
		}
		time.Sleep(time.Until(end))
		w.end, w.err = sample(pid)
	}()
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
	<-w.done
	if w.err != nil {
		return 0, 0, fmt.Errorf("loadgen: server CPU: %w", w.err)
	}
	return cpuPerRequest(w.first, w.end, rps)
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
