// Command resolve is gevent's seed example in Go: spawn one lookup per host
// name, wait for all of them for at most 2 seconds, print each job's value.
//
//	go run ./examples/resolve [host ...]
//
// Each lookup runs net.Resolver on the hub's thread pool (package resolver,
// gevent's threaded resolver): only the asking greenlet waits, and the hub
// keeps serving the other greenlets meanwhile.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
)

// defaultHosts resolve without a network: one from /etc/hosts and one that
// is not a valid domain name, so its lookup fails at once.
var defaultHosts = []string{"localhost", "no-such-host..invalid"}

func main() {
	hosts := os.Args[1:]
	if len(hosts) == 0 {
		hosts = defaultHosts
	}
	if err := run(os.Stdout, hosts, 2*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "resolve:", err)
		os.Exit(1)
	}
}

// run resolves hosts concurrently, one greenlet each, and prints one line
// per host: its addresses, its error, or that it did not finish in time.
func run(w io.Writer, hosts []string, timeout time.Duration) error {
	return scheduler.Main(func() error {
		scheduler.CurrentHub().SetErrorHandler(func(error) {}) // failures are printed below
		jobs := make([]*scheduler.Greenlet[[]string], len(hosts))
		for i, host := range hosts {
			jobs[i] = scheduler.Spawn(func() ([]string, error) {
				return resolver.LookupHost(context.Background(), host)
			})
		}
		// Wait for all of them, whatever their outcome, for at most timeout
		// (gevent.joinall(jobs, timeout=2)); Main kills the ones still running.
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if _, err := scheduler.Wait(ctx, jobs, 0); err != nil && !errors.Is(err, scheduler.ErrTimeout) {
			return err
		}
		for i, job := range jobs {
			switch {
			case !job.Ready():
				fmt.Fprintf(w, "%s: not resolved within %v\n", hosts[i], timeout)
			case job.Err() != nil:
				fmt.Fprintf(w, "%s: error: %v\n", hosts[i], job.Err())
			default:
				fmt.Fprintf(w, "%s: %s\n", hosts[i], strings.Join(job.Value(), " "))
			}
		}
		return nil
	})
}
