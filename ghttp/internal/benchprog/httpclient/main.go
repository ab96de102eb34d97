// Command httpclient is the HTTP client of the bench report's client rows
// (bench/cmd/benchreport runs it against a local server): -c workers (greenlets of one hub
// for -impl ghttp, goroutines for nethttp) share -n GET requests over keep-alive connections
// to -url, reading every body. After one warm-up request per worker (the connections are
// open), it prints the requests per second and this process's CPU time per request
// (getrusage) as the report's JSON result lines, <name>_rps and <name>_cpu.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

func main() {
	impl := flag.String("impl", "ghttp", "ghttp or nethttp")
	url := flag.String("url", "", "the server's URL")
	n := flag.Int("n", scaled(10000), "requests, in total (default 10000 times BENCH_SCALE, which the bench report's -quick sets to 0.2)")
	c := flag.Int("c", 100, "concurrent workers (and connections)")
	name := flag.String("name", "http_client", "the result lines' metric prefix")
	flag.Parse()
	if *url == "" || *n < 1 || *c < 1 {
		fail(errors.New("usage: httpclient -url URL [-impl ghttp|nethttp] [-n 10000] [-c 100] [-name http_client]"))
	}
	var (
		elapsed, cpu time.Duration
		err          error
	)
	switch *impl {
	case "ghttp":
		elapsed, cpu, err = runGHTTP(*url, *n, *c)
	case "nethttp":
		elapsed, cpu, err = runNetHTTP(*url, *n, *c)
	default:
		err = fmt.Errorf("unknown -impl %q", *impl)
	}
	if err != nil {
		fail(err)
	}
	emit(*name+"_rps", "req/s", float64(*n)/elapsed.Seconds())
	emit(*name+"_cpu", "ns/req", float64(cpu.Nanoseconds())/float64(*n))
}

// scaled is base times BENCH_SCALE (1 when unset or invalid), at least 1.
func scaled(base int) int {
	s, err := strconv.ParseFloat(os.Getenv("BENCH_SCALE"), 64)
	if err != nil || !(s > 0) {
		s = 1
	}
	return max(1, int(float64(base)*s))
}

// emit prints one result line as the bench report reads them.
func emit(metric, unit string, value float64) {
	line, err := json.Marshal(struct {
		Workload string  `json:"workload"`
		Unit     string  `json:"unit"`
		Value    float64 `json:"value"`
	}{metric, unit, value})
	if err != nil {
		fail(err)
	}
	fmt.Println(string(line))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "httpclient:", err)
	os.Exit(1)
}

// get makes one request and reads its body.
func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return err
}

// cpuTime is this process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func runGHTTP(url string, n, workers int) (elapsed, cpu time.Duration, err error) {
	err = scheduler.Main(func() error {
		client := &http.Client{Transport: &ghttp.Transport{MaxIdleConnsPerHost: workers}}
		ctx := context.Background()
		spawnAll := func(fn func() error) error {
			gs := make([]*scheduler.Greenlet[struct{}], workers)
			for i := range gs {
				gs[i] = scheduler.Go(fn)
			}
			_, err := scheduler.JoinAll(ctx, gs)
			return err
		}
		if err := spawnAll(func() error { return get(client, url) }); err != nil {
			return err
		}
		left := int64(n)
		start, cpu0 := time.Now(), cpuTime()
		err := spawnAll(func() error {
			for left > 0 {
				left--
				if err := get(client, url); err != nil {
					return err
				}
			}
			return nil
		})
		elapsed, cpu = time.Since(start), cpuTime()-cpu0
		return err
	})
	return elapsed, cpu, err
}

func runNetHTTP(url string, n, workers int) (elapsed, cpu time.Duration, err error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	all := func(fn func() error) error {
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() { errs[i] = fn() })
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	if err := all(func() error { return get(client, url) }); err != nil {
		return 0, 0, err
	}
	var left atomic.Int64
	left.Store(int64(n))
	start, cpu0 := time.Now(), cpuTime()
	err = all(func() error {
		for left.Add(-1) >= 0 {
			if err := get(client, url); err != nil {
				return err
			}
		}
		return nil
	})
	return time.Since(start), cpuTime() - cpu0, err
}
