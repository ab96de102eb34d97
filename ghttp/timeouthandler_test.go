package ghttp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// The TimeoutHandler tests serve the same scenarios with net/http's TimeoutHandler under
// net/http's Server (the reference), with ghttp.TimeoutHandler under a ghttp.Server, and with
// ghttp.TimeoutHandler under net/http's Server (where it falls back to net/http's), and
// require the same bytes back, Date aside. A slow handler is held at a gate the test opens
// once the client has its answer, so the timeout always wins, and then reports what its
// context and a late Write say.

// thGate holds a handler until the test opens it.
type thGate interface {
	wait()
	open()
}

// chanGate is a gate for handlers on plain goroutines (net/http's Server).
type chanGate struct {
	ch   chan struct{}
	once sync.Once
}

func (g *chanGate) wait() { <-g.ch }
func (g *chanGate) open() { g.once.Do(func() { close(g.ch) }) }

// eventGate is a gate for handlers in greenlets (Event.Set is goroutine-safe).
type eventGate struct{ ev event.Event }

func (g *eventGate) wait() { _ = g.ev.Wait(bg) }
func (g *eventGate) open() { g.ev.Set() }

// thLate is what a held handler found once its gate opened.
type thLate struct {
	ctxErr   error // its request context's Err
	writeErr error // what its late Write returned
}

// thSetup is one server running the scenarios.
type thSetup struct {
	name    string
	addr    string
	newGate func() thGate
	gate    atomic.Pointer[thGate] // the current case's
	late    chan thLate
}

// hold makes a new gate for the next case; the test's cleanup opens it if the case did not.
func (s *thSetup) hold(t *testing.T) thGate {
	g := s.newGate()
	s.gate.Store(&g)
	t.Cleanup(g.open)
	return g
}

// timeoutMux serves the scenarios under the TimeoutHandler mk makes: /fast/ with a limit
// never reached, /slow/ and /slow-default/ (empty message) with one always passed (their
// handlers are held), /held/ with a limit never reached for a handler held all the same.
func (s *thSetup) timeoutMux(mk func(http.Handler, time.Duration, string) http.Handler) http.Handler {
	inner := http.HandlerFunc(s.serve)
	mux := http.NewServeMux()
	mux.Handle("/fast/", mk(inner, time.Minute, "too slow"))
	mux.Handle("/slow/", mk(inner, 20*ms, "too slow"))
	mux.Handle("/slow-default/", mk(inner, 20*ms, ""))
	mux.Handle("/held/", mk(inner, time.Minute, "too slow"))
	return mux
}

// serve is the wrapped handler, chosen by the last element of the path.
func (s *thSetup) serve(w http.ResponseWriter, r *http.Request) {
	switch path.Base(r.URL.Path) {
	case "headers":
		_, deadline := r.Context().Deadline()
		w.Header().Set("X-A", "1")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, "created, deadline=%v", deadline)
	case "empty":
	case "sniff":
		_, _ = io.WriteString(w, "<html><body>sniffed</body></html>")
	case "echo":
		b, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "%q %v", b, err)
	case "twice":
		w.WriteHeader(http.StatusCreated)
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "twice")
	case "early":
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = io.WriteString(w, "after early hints")
	default:
		s.serveMore(w, r)
	}
}

func (s *thSetup) serveMore(w http.ResponseWriter, r *http.Request) {
	switch path.Base(r.URL.Path) {
	case "interfaces":
		_, flusher := w.(http.Flusher)
		_, hijacker := w.(http.Hijacker)
		_, _ = fmt.Fprintf(w, "push=%v flusher=%v hijacker=%v", w.(http.Pusher).Push("/x", nil), flusher, hijacker)
	case "panic":
		panic("boom")
	case "abort":
		panic(http.ErrAbortHandler)
	case "badcode":
		w.WriteHeader(42)
	case "wait-header":
		w.Header().Set("X-Before", "1")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "partial")
		s.waitAndReport(w, r)
	case "wait":
		s.waitAndReport(w, r)
	}
}

// waitAndReport holds the handler at the current gate, then reports its context's state and a
// late Write's error.
func (s *thSetup) waitAndReport(w http.ResponseWriter, r *http.Request) {
	(*s.gate.Load()).wait()
	_, err := io.WriteString(w, "late")
	s.late <- thLate{ctxErr: r.Context().Err(), writeErr: err}
}

// startTimeoutSetups starts the three servers.
func startTimeoutSetups(t *testing.T) []*thSetup {
	newChan := func() thGate { return &chanGate{ch: make(chan struct{})} }
	ref := &thSetup{name: "net/http's TimeoutHandler under net/http", newGate: newChan, late: make(chan thLate, 4)}
	ref.addr = startNetHTTP(t, &http.Server{Handler: ref.timeoutMux(http.TimeoutHandler), ErrorLog: quietLog})
	ours := &thSetup{name: "ghttp.TimeoutHandler under ghttp", late: make(chan thLate, 4),
		newGate: func() thGate { return &eventGate{} }}
	ours.addr = startServer(t, &ghttp.Server{Handler: ours.timeoutMux(ghttp.TimeoutHandler), ErrorLog: quietLog}, false).Addr
	fallback := &thSetup{name: "ghttp.TimeoutHandler under net/http", newGate: newChan, late: make(chan thLate, 4)}
	fallback.addr = startNetHTTP(t, &http.Server{Handler: fallback.timeoutMux(ghttp.TimeoutHandler), ErrorLog: quietLog})
	return []*thSetup{ref, ours, fallback}
}

// thGet is a GET of p that closes the connection after the answer.
func thGet(p string) string {
	return "GET " + p + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
}

var thCases = []struct {
	name string
	raw  string
	// late: the handler is held and reports; halfClose: the client half-closes after its
	// request, which both servers take for a client that left.
	late, halfClose bool
	wantLate        thLate
}{
	{name: "fast: status, header, body, deadline", raw: thGet("/fast/headers")},
	{name: "fast: nothing written", raw: thGet("/fast/empty")},
	{name: "fast: content type sniffed", raw: thGet("/fast/sniff")},
	{name: "fast: HEAD", raw: "HEAD /fast/headers HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
	{name: "fast: request body", raw: "POST /fast/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"},
	{name: "fast: superfluous WriteHeader", raw: thGet("/fast/twice")},
	{name: "fast: 1xx kept as the status", raw: thGet("/fast/early")},
	{name: "fast: Pusher, no Flusher or Hijacker", raw: thGet("/fast/interfaces")},
	{name: "fast: pipelined", raw: "GET /fast/sniff HTTP/1.1\r\nHost: a\r\n\r\n" + thGet("/fast/headers")},
	{name: "panic", raw: thGet("/fast/panic")},
	{name: "panic ErrAbortHandler", raw: thGet("/fast/abort")},
	{name: "invalid status code", raw: thGet("/fast/badcode")},
	{name: "slow: 503 with the message", raw: thGet("/slow/wait"), late: true,
		wantLate: thLate{ctxErr: context.DeadlineExceeded, writeErr: http.ErrHandlerTimeout}},
	{name: "slow: empty message, default body", raw: thGet("/slow-default/wait"), late: true,
		wantLate: thLate{ctxErr: context.DeadlineExceeded, writeErr: http.ErrHandlerTimeout}},
	{name: "slow after writing a header and body", raw: thGet("/slow/wait-header"), late: true,
		wantLate: thLate{ctxErr: context.DeadlineExceeded, writeErr: http.ErrHandlerTimeout}},
	{name: "slow, then fast on the same connection",
		raw: "GET /slow/wait HTTP/1.1\r\nHost: a\r\n\r\n" + thGet("/fast/headers"), late: true,
		wantLate: thLate{ctxErr: context.DeadlineExceeded, writeErr: http.ErrHandlerTimeout}},
	{name: "client left", raw: "GET /held/wait HTTP/1.1\r\nHost: a\r\n\r\n", late: true, halfClose: true,
		wantLate: thLate{ctxErr: context.Canceled, writeErr: context.Canceled}},
}

func TestTimeoutHandlerAgainstNetHTTP(t *testing.T) {
	ghttp.SetRSTAvoidanceDelay(t, 20*ms)
	setups := startTimeoutSetups(t)
	for _, tc := range thCases {
		t.Run(tc.name, func(t *testing.T) {
			var want string
			for i, s := range setups {
				gate := s.hold(t)
				got := thExchange(t, s.addr, tc.raw, tc.halfClose)
				if i == 0 {
					want = got
					t.Logf("%s:\n%s", s.name, got)
				} else {
					assert.Equal(t, want, got, s.name)
				}
				if !tc.late {
					continue
				}
				gate.open()
				select {
				case late := <-s.late:
					assert.Equal(t, tc.wantLate, late, s.name)
				case <-time.After(10 * time.Second):
					t.Fatalf("%s: the held handler did not report", s.name)
				}
			}
		})
	}
}

// thExchange sends raw from a plain goroutine (half-closing after it when halfClose) and
// returns what came back until the server closed, Date masked.
func thExchange(t *testing.T, addr, raw string, halfClose bool) string {
	t.Helper()
	if halfClose {
		return exchange(t, addr, raw)
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, raw)
	require.NoError(t, err)
	got, err := io.ReadAll(bufio.NewReader(c))
	end := "EOF"
	if err != nil {
		end = "error: " + err.Error()
	}
	return dateHeader.ReplaceAllString(string(got), "Date: (masked)\r") + "\n<" + end + ">"
}

// While a handler under TimeoutHandler waits, the hub serves another request: the wait parks
// only the serving greenlet. (Under http.TimeoutHandler the handler's Event.Wait fails with
// ErrNotGreenlet, and its channel wait would hold the hub.)
func TestTimeoutHandlerLeavesTheHubFree(t *testing.T) {
	gate := &eventGate{}
	var started atomic.Bool
	var waitErr atomic.Pointer[error]
	mux := http.NewServeMux()
	mux.Handle("/slow", ghttp.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Store(true)
		err := gate.ev.Wait(r.Context())
		waitErr.Store(&err)
		_, _ = io.WriteString(w, "slow done")
	}), time.Minute, "too slow"))
	mux.Handle("/ping", ghttp.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A cooperative workload: it works in the handler's greenlet.
		if err := scheduler.Sleep(r.Context(), ms); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "pong")
	}), time.Minute, "too slow"))
	hs := startServer(t, &ghttp.Server{Handler: mux, ErrorLog: quietLog}, false)
	t.Cleanup(gate.open)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

	slow := make(chan string, 1)
	go func() { slow <- thGetBody(client, "http://"+hs.Addr+"/slow") }()
	require.Eventually(t, started.Load, 10*time.Second, ms)

	assert.Equal(t, "200 pong", thGetBody(client, "http://"+hs.Addr+"/ping"))
	select {
	case got := <-slow:
		t.Fatalf("the slow request was answered before its handler was let go: %s", got)
	default:
	}
	gate.open()
	assert.Equal(t, "200 slow done", <-slow)
	require.NotNil(t, waitErr.Load())
	assert.NoError(t, *waitErr.Load())
}

// thGetBody returns "status body" for a GET of url, or the error.
func thGetBody(client *http.Client, url string) string {
	resp, err := client.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

// net/http's TimeoutHandler under a ghttp.Server is what ghttp.TimeoutHandler replaces: the
// handler's cooperative calls fail there. Under ghttp.TimeoutHandler they work.
func TestTimeoutHandlerCooperativeCalls(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, scheduler.Sleep(r.Context(), ms) == nil)
	})
	mux := http.NewServeMux()
	mux.Handle("/ours", ghttp.TimeoutHandler(inner, time.Minute, ""))
	mux.Handle("/nethttp", http.TimeoutHandler(inner, time.Minute, ""))
	hs := startServer(t, &ghttp.Server{Handler: mux, ErrorLog: quietLog}, false)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	assert.Equal(t, "200 true", thGetBody(client, "http://"+hs.Addr+"/ours"))
	assert.Equal(t, "200 false", thGetBody(client, "http://"+hs.Addr+"/nethttp"))
}

// After a timeout on a keep-alive connection, the held handler's late writes stay off the
// connection: the next request on it gets a clean answer, as under net/http.
func TestTimeoutHandlerLateWritesStayOffTheConnection(t *testing.T) {
	setups := startTimeoutSetups(t)
	var want []string
	for i, s := range setups {
		gate := s.hold(t)
		c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		require.NoError(t, err)
		require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
		br := bufio.NewReader(c)
		first := thRoundTrip(t, c, br, "GET /slow/wait HTTP/1.1\r\nHost: a\r\n\r\n")
		gate.open()
		late := <-s.late
		assert.ErrorIs(t, late.writeErr, http.ErrHandlerTimeout, s.name)
		second := thRoundTrip(t, c, br, "GET /fast/headers HTTP/1.1\r\nHost: a\r\n\r\n")
		_ = c.Close()
		got := []string{first, second}
		if i == 0 {
			want = got
			assert.Contains(t, first, "503 Service Unavailable")
			assert.Contains(t, second, "201 Created")
		} else {
			assert.Equal(t, want, got, s.name)
		}
	}
}

// thRoundTrip writes one request on c and reads its response, header and body, Date masked.
func thRoundTrip(t *testing.T, c net.Conn, br *bufio.Reader, raw string) string {
	t.Helper()
	_, err := io.WriteString(c, raw)
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Header.Del("Date")
	var b strings.Builder
	_ = resp.Header.Write(&b)
	return fmt.Sprintf("%s\n%s\n%s", resp.Status, b.String(), body)
}

// Server.Close while the serving greenlet waits: the handler's greenlet is not killed but its
// context is cancelled, and one that ignores it ends with the hub (its Destroy kills it).
func TestTimeoutHandlerServerClose(t *testing.T) {
	var ctxErr, stuckErr atomic.Pointer[error]
	var started atomic.Int32
	never := &eventGate{} // never opened: the hub's end releases the handler waiting on it
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		if r.URL.Path == "/stuck" {
			err := never.ev.Wait(bg)
			stuckErr.Store(&err)
			return
		}
		err := scheduler.WaitContext(r.Context())
		ctxErr.Store(&err)
	})
	srv := &ghttp.Server{Handler: ghttp.TimeoutHandler(inner, time.Minute, ""), ErrorLog: quietLog}
	hs := startHubServer(t, srv, false, ignoreClosed, func(serving *scheduler.Greenlet[struct{}]) error {
		return serving.Join(bg)
	})
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	answers := make(chan string, 2)
	for _, p := range []string{"/ctx", "/stuck"} {
		go func() { answers <- thGetBody(client, "http://"+hs.Addr+p) }()
	}
	require.Eventually(t, func() bool { return started.Load() == 2 }, 10*time.Second, ms)

	require.NoError(t, hs.Run(srv.Close))
	require.Eventually(t, func() bool { return ctxErr.Load() != nil }, 10*time.Second, ms)
	assert.ErrorIs(t, *ctxErr.Load(), context.Canceled)
	for range 2 {
		assert.NotRegexp(t, "^200 ", <-answers) // the connections closed
	}
	assert.Nil(t, stuckErr.Load(), "the stuck handler's greenlet was killed by Close")
	hs.Stop(t)
	require.NotNil(t, stuckErr.Load())
	assert.ErrorIs(t, *stuckErr.Load(), scheduler.ErrGreenletExit)
}

// A panic of the handler after the timeout answered goes to the hub's error handler, as any
// greenlet's; http.ErrAbortHandler does not.
func TestTimeoutHandlerLatePanic(t *testing.T) {
	gate := &eventGate{}
	var ended atomic.Int32
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer ended.Add(1)
		gate.wait()
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("late boom")
	})
	hs := startServer(t, &ghttp.Server{Handler: ghttp.TimeoutHandler(inner, 10*ms, "too slow"), ErrorLog: quietLog}, false)
	t.Cleanup(gate.open)
	var mu sync.Mutex
	var reports []error
	require.NoError(t, hs.Run(func() error {
		hs.Hub.SetErrorHandler(func(err error) {
			mu.Lock()
			reports = append(reports, err)
			mu.Unlock()
		})
		return nil
	}))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	assert.Equal(t, "503 too slow", thGetBody(client, "http://"+hs.Addr+"/abort"))
	assert.Equal(t, "503 too slow", thGetBody(client, "http://"+hs.Addr+"/panic"))
	gate.open()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return ended.Load() == 2 && len(reports) > 0
	}, 10*time.Second, ms)
	// One more round on the hub, for a report of the ErrAbortHandler panic, if any, to come.
	require.NoError(t, hs.Run(func() error { return scheduler.Sleep(bg, 0) }))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reports, 1)
	var pe *scheduler.PanicError
	require.ErrorAs(t, reports[0], &pe)
	assert.Equal(t, "late boom", pe.Value)
}

// A handler that ends with runtime.Goexit is answered when the context ends, as net/http
// answers it.
func TestTimeoutHandlerGoexit(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "never sent")
		runtime.Goexit()
	})
	hs := startServer(t, &ghttp.Server{Handler: ghttp.TimeoutHandler(inner, 10*ms, "too slow"), ErrorLog: quietLog}, false)
	require.NoError(t, hs.Run(func() error {
		hs.Hub.SetErrorHandler(func(error) {}) // the Goexit's report
		return nil
	}))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	assert.Equal(t, "503 too slow", thGetBody(client, "http://"+hs.Addr+"/"))
}

// Outside a hub, ServeHTTP is net/http's TimeoutHandler's.
func TestTimeoutHandlerOutsideAHub(t *testing.T) {
	h := ghttp.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // a plain goroutine: a channel wait is fine here
	}), 10*ms, "")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "<h1>Timeout</h1>")
}

// In a greenlet with any ResponseWriter (here a recorder), the handler runs in a greenlet of
// that hub.
func TestTimeoutHandlerInAGreenlet(t *testing.T) {
	err := scheduler.Main(func() error {
		var answered event.Event
		late := make(chan error, 3)
		h := ghttp.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			late <- scheduler.Sleep(r.Context(), time.Minute)
			// Held until the answer went out: a write racing the timeout may be taken, as
			// under net/http.
			_ = answered.Wait(bg)
			_, err := io.WriteString(w, "late")
			late <- err
			late <- w.(http.Pusher).Push("/x", nil)
		}), 10*ms, "too slow")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, "too slow", rec.Body.String())
		answered.Set()
		for _, want := range []error{context.DeadlineExceeded, http.ErrHandlerTimeout, http.ErrHandlerTimeout} {
			for len(late) == 0 { // the handler's greenlet runs on; the buffered channel never waits
				require.NoError(t, scheduler.Sleep(bg, ms))
			}
			assert.ErrorIs(t, <-late, want)
		}

		var kept http.ResponseWriter
		fast := ghttp.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			kept = w
			w.Header().Set("X-A", "1")
			_, _ = io.WriteString(w, "fast")
		}), time.Minute, "too slow")
		rec = httptest.NewRecorder()
		fast.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "fast", rec.Body.String())
		assert.Equal(t, "1", rec.Header().Get("X-A"))
		// What the handler left behind writes no more, and says why.
		_, err := io.WriteString(kept, "after")
		assert.ErrorIs(t, err, ghttp.ErrHandlerReturned)
		assert.ErrorIs(t, kept.(http.Pusher).Push("/x", nil), ghttp.ErrHandlerReturned)
		assert.Equal(t, "fast", rec.Body.String())
		return nil
	})
	require.NoError(t, err)
}
