// Command httpserver is the HTTP server of the bench report's HTTP rows (bench/cmd/benchreport
// runs it under wrk, and as the server of its client rows): one handler answering every
// request with -size bytes (13, "Hello, World!", by default), served by -impl: ghttp (a
// ghttp.Server on one hub), nethttp (net/http's Server; GOMAXPROCS from the environment) or
// shared (net/http's Server on a goroutine-safe socket.Listener of a hub, every call crossing
// threads). It prints "PORT <n>" once listening and serves until killed; with -cpuprofile, or
// BENCH_CPUPROFILE set as the report sets it for a profiled run, SIGTERM ends it after
// writing the profile.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

func main() {
	impl := flag.String("impl", "ghttp", "ghttp, nethttp or shared")
	size := flag.Int("size", 0, "response body bytes (0: \"Hello, World!\")")
	profile := flag.String("cpuprofile", os.Getenv("BENCH_CPUPROFILE"), "write a CPU profile to this file until SIGTERM or SIGINT (default $BENCH_CPUPROFILE)")
	flag.Parse()
	if *profile != "" {
		if err := profileUntilSignal(*profile); err != nil {
			fmt.Fprintln(os.Stderr, "httpserver:", err)
			os.Exit(1)
		}
	}
	body := []byte("Hello, World!")
	if *size > 0 {
		body = bytes.Repeat([]byte("x"), *size)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	var err error
	switch *impl {
	case "ghttp":
		err = serveGHTTP(handler)
	case "nethttp":
		err = serveNetHTTP(handler)
	case "shared":
		err = serveShared(handler)
	default:
		err = fmt.Errorf("unknown -impl %q", *impl)
	}
	fmt.Fprintln(os.Stderr, "httpserver:", err)
	os.Exit(1)
}

// profileUntilSignal writes a CPU profile to path; SIGTERM or SIGINT ends it and the process.
func profileUntilSignal(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		pprof.StopCPUProfile()
		_ = f.Close()
		os.Exit(0)
	}()
	return nil
}

// listening prints the port the bench connects to.
func listening(a net.Addr) { fmt.Printf("PORT %d\n", a.(*net.TCPAddr).Port) }

func serveGHTTP(h http.Handler) error {
	return scheduler.Main(func() error {
		lc := socket.ListenConfig{Backlog: 1024}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		listening(ln.Addr())
		return (&ghttp.Server{Handler: h}).Serve(ln)
	})
}

func serveNetHTTP(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	listening(ln.Addr())
	return (&http.Server{Handler: h}).Serve(ln)
}

// serveShared runs a hub on this goroutine for the listener and its connections, and
// net/http's Server on plain goroutines calling them.
func serveShared(h http.Handler) error {
	return scheduler.Main(func() error {
		hub := scheduler.CurrentHub()
		lc := socket.ListenConfig{Backlog: 1024, Hub: hub}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		listening(ln.Addr())
		// The hub must keep running its loop for the shared sockets: net/http waits off it.
		_, err = scheduler.RunBlocking(context.Background(), func() (struct{}, error) {
			return struct{}{}, (&http.Server{Handler: h}).Serve(ln.Shared())
		})
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
}
