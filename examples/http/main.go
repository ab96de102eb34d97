// Command http is an HTTP server on geventgo whose page fetches two backends concurrently: each
// request runs in its connection's greenlet (ghttp.Server), spawns one greenlet per backend
// that fetches it with http.Client over ghttp.Transport, and waits for both, at most -timeout
// (gevent.joinall(jobs, timeout=...)); whatever did not answer in time is reported as such.
// Without -backend flags it starts two demo backends of its own on the same hub, one quick and
// one slow. SIGINT or SIGTERM shuts it down gracefully (in-flight requests finish). With -once
// it fetches its own page once (from a greenlet, with the same client; on a free port unless
// -addr is given), prints it and exits.
//
//	go run ./examples/http -once
//	go run ./examples/http -addr 127.0.0.1:8080 [-timeout 1s] [-backend URL -backend URL]
//	curl http://127.0.0.1:8080/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/gsignal"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	timeout := flag.Duration("timeout", time.Second, "how long a page waits for its backends")
	var backends []string
	flag.Func("backend", "a backend's URL (twice; default: two demo backends)", func(s string) error {
		backends = append(backends, s)
		return nil
	})
	once := flag.Bool("once", false, "fetch the page once, print it and exit")
	flag.Parse()
	var show func(string)
	if *once {
		show = func(page string) { fmt.Print(page) }
		if !flagSet("addr") {
			*addr = "127.0.0.1:0" // any free port: nobody else fetches the page
		}
	}
	err := serve(*addr, backends, *timeout, func(a string) { fmt.Println("http: listening on", a) }, show)
	if err != nil && !errors.Is(err, gsignal.ErrInterrupted) {
		fmt.Fprintln(os.Stderr, "http:", err)
		os.Exit(1)
	}
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// serve runs the server until SIGINT or SIGTERM; ready is called with the bound address. With
// once set, a greenlet fetches the page, gives it to once and shuts the server down.
func serve(addr string, backends []string, timeout time.Duration, ready func(string), once func(string)) error {
	return gsignal.Main(func() error {
		scheduler.CurrentHub().SetErrorHandler(func(error) {}) // failed fetches are on the page
		if len(backends) == 0 {
			var err error
			if backends, err = demoBackends(); err != nil {
				return err
			}
		}
		client := &http.Client{Transport: &ghttp.Transport{}}
		srv := &ghttp.Server{Handler: page(client, backends, timeout), ReadHeaderTimeout: 5 * time.Second}
		ln, err := socket.Listen("tcp", addr)
		if err != nil {
			return err
		}
		ready(ln.Addr().String())
		var onceErr error
		if once != nil {
			scheduler.Go(func() error {
				onceErr = fetchOnce(client, "http://"+ln.Addr().String()+"/", once)
				return srv.Shutdown(context.Background())
			})
		}
		err = srv.Serve(ln)
		if once != nil && errors.Is(err, ghttp.ErrServerClosed) {
			return onceErr
		}
		// The first signal killed this greenlet and ended Serve: let the requests in flight
		// finish, for at most 5 s (a second signal cuts that short).
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return errors.Join(err, srv.Shutdown(ctx))
	})
}

// page answers with one line per backend: its body, its error, or that it was too slow.
func page(client *http.Client, backends []string, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		jobs := make([]*scheduler.Greenlet[string], len(backends))
		for i, url := range backends {
			jobs[i] = scheduler.Spawn(func() (string, error) { return fetch(ctx, client, url) })
		}
		// Wait for all of them, whatever their outcome, until the deadline; cancel ends the
		// fetches still running when the handler returns.
		if _, err := scheduler.Wait(ctx, jobs, 0); err != nil && !errors.Is(err, scheduler.ErrTimeout) {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		for i, job := range jobs {
			switch {
			case !job.Ready() || errors.Is(job.Err(), context.DeadlineExceeded):
				fmt.Fprintf(w, "%s: no answer within %v\n", backends[i], timeout)
			case job.Err() != nil:
				fmt.Fprintf(w, "%s: error: %v\n", backends[i], job.Err())
			default:
				fmt.Fprintf(w, "%s: %s\n", backends[i], job.Value())
			}
		}
	})
}

// fetchOnce GETs the example's own page, within 10 s, and gives it to show.
func fetchOnce(client *http.Client, url string, show func(string)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	page, err := fetch(ctx, client, url)
	if err != nil {
		return err
	}
	show(page)
	return nil
}

// fetch GETs url and returns its body; only the calling greenlet waits.
func fetch(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %s", resp.Status)
	}
	return string(b), err
}

// demoBackends serves two backends on the calling hub, answering after 10 ms and 50 ms, and
// returns their URLs.
func demoBackends() ([]string, error) {
	var urls []string
	for _, delay := range []time.Duration{10 * time.Millisecond, 50 * time.Millisecond} {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := scheduler.Sleep(r.Context(), delay); err != nil {
				return
			}
			fmt.Fprintf(w, "answered after %v", delay)
		})}
		scheduler.Go(func() error { return srv.Serve(ln) })
		urls = append(urls, "http://"+ln.Addr().String()+"/")
	}
	return urls, nil
}
