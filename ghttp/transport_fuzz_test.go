package ghttp_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// hostileAnswers seed FuzzTransportInput: what a server answers the first request with, every
// later one with, whether it closes the connection after the first answer, and where it
// splits each answer in two writes.
var hostileAnswers = []struct {
	first, second string
	closeFirst    bool
	split         uint16
}{
	// Well-formed keep-alive answers: the second request reuses the connection.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", second: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye"},
	// The server closes a connection the client keeps: the second request is made again.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", second: "HTTP/1.1 204 No Content\r\n\r\n", closeFirst: true},
	// Nothing at all, to each request.
	{first: "", second: ""},
	// Nothing to the second request on a kept connection: the GET is made again, the POST not.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", second: ""},
	// Answers in two pieces: the status line cut, a header line cut, the body cut.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", second: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye", split: 6},
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", second: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye", split: 25},
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", second: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", split: 40},
	// A body shorter than its Content-Length, cut by the close.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A body longer than its Content-Length: the rest is sent unasked.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A whole second response sent unasked after the first.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbad", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// The same past the read buffer: the unasked bytes may still be in the socket when the
	// body ends.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("a", 5000) + "EXTRA", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// An unasked 408 after the response (net/http closes that one quietly).
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 408 Request Timeout\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A bodiless 204 followed by bytes it may not have.
	{first: "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// The same, then nothing: the second request goes on a new connection, so it is not made
	// again.
	{first: "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc", second: ""},
	// A 304 with a Content-Length and no body, then a chunked answer.
	{first: "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", second: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
	// Chunked with a size that is not hexadecimal.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Chunked with a size that overflows 64 bits.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nabc\r\n0\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Chunked whose chunk is longer than its size.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Chunked with a trailer, then a keep-alive answer on the same connection.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Chunked with a malformed trailer line.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nno colon\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Chunked whose last chunk never comes.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Chunked with chunk extensions and a bare LF.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\nabc\n0\n\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A flood of 1xx before the final answer.
	{first: strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 40) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// 1xx with headers, past the header limit together.
	{first: strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n", 60) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// 1xx and then the close, no final answer.
	{first: "HTTP/1.1 100 Continue\r\n\r\n", second: "HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A header over the header limit.
	{first: "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 3000) + "\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// HTTP/1.0 without keep-alive: a Content-Length body, then the connection is not reused.
	{first: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.0 200 OK\r\n\r\nto the close"},
	// HTTP/1.0 asking for keep-alive.
	{first: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Connection: close with a Content-Length body.
	{first: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// HTTP/1.1 with neither length nor chunking: the body ends at the close.
	{first: "HTTP/1.1 200 OK\r\n\r\nuntil the close", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A 101 that switches protocols: the body is the connection.
	{first: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\nnew protocol", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A 101 that switches nothing.
	{first: "HTTP/1.1 101 Switching Protocols\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Two different Content-Lengths.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Two equal Content-Lengths.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A negative, and an absurd Content-Length.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok", second: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok"},
	// Content-Length and chunked together.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// A transfer coding other than chunked.
	{first: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", second: "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nok"},
	// A gzip encoding that is not gzip, then one that is.
	{first: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello", second: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 23\r\n\r\n" +
		"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x01\x00\x00\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00"},
	// A gzip body cut short by the close.
	{first: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", second: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	// Status lines that are not: a bad code, a bad version, no HTTP at all, no reason.
	{first: "HTTP/1.1 abc OK\r\n\r\n", second: "HTTP/9 200 OK\r\n\r\n"},
	{first: "SSH-2.0-OpenSSH_9\r\n", second: "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"},
	{first: "HTTP/1.1 0 Zero\r\nContent-Length: 2\r\n\r\nok", second: "HTTP/1.1 999 Big\r\nContent-Length: 2\r\n\r\nok"},
	// Bare LF line ends, an obsolete line folding, a header line without a colon, a NUL.
	{first: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", second: "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok"},
	{first: "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", second: "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok"},
	// A header cut short by the close.
	{first: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", second: "HTTP/1.1 200"},
}

// scriptTimeout bounds each request of FuzzTransportInput: no answer makes a Transport wait,
// so reaching it is a hang. Both Transports also bound the wait for a response header by
// scriptHeaderTimeout, which is never reached either: it is there for its arming and
// disarming around each header.
const (
	scriptTimeout       = 5 * time.Second
	scriptHeaderTimeout = 4 * time.Second
)

// scriptHeaderLimit is both Transports' MaxResponseHeaderBytes, small enough for the fuzzer's
// inputs to reach.
const scriptHeaderLimit = 2048

// FuzzTransportInput holds ghttp's Transport to net/http's against a hostile server. The
// fuzzer gives the bytes a server answers the first request with, those it answers every
// later one with, whether it closes the connection after the first answer and where it
// splits each answer in two writes; each Transport makes the same requests (GET, GET, POST
// with a small body, GET) to a server of its own sending those bytes. The caller must see
// the same from both (an error or not, the status, header and framing, the body's bytes and
// whether its read failed, the trailer), and the server the same requests, none from ghttp
// on a connection it may not reuse, and each on a reused connection where net/http's was
// (see compareRuns). No request may hang (each is bounded by a context: reaching it fails
// the input), nothing may panic, and nothing may be left running (greenlets are counted at
// the end, goroutines by goleak).
func FuzzTransportInput(f *testing.F) {
	for _, s := range hostileAnswers {
		f.Add([]byte(s.first), []byte(s.second), s.closeFirst, s.split)
	}
	// net/http's Transport logs the unsolicited bytes it finds on an idle connection with
	// package log.
	out := log.Writer()
	log.SetOutput(io.Discard)
	f.Cleanup(func() { log.SetOutput(out) })
	sl := newScriptListener(f)
	f.Cleanup(sl.close)
	f.Fuzz(func(t *testing.T, first, second []byte, closeFirst bool, split uint16) {
		sc := &script{answers: [2][]byte{first, second}, closeFirst: closeFirst, split: int(split)}
		ref, trimmed := sc.reference()
		want := ref.run(t, sl, runNetHTTP)
		got := sc.run(t, sl, runGHTTP)
		compareRuns(t, want, got, trimmed)
	})
}

// script is what the server of FuzzTransportInput answers.
type script struct {
	answers    [2][]byte // to the first request, to every later one
	closeFirst bool      // close the connection after the first answer
	split      int       // write each answer in two from there, when within its response
}

// reference returns the script net/http's run is held to, and whether it differs from sc.
// An answer whose response has bytes after its end, on a connection kept for reuse, meets
// net/http's known race: its read loop puts the connection back in the pool, then peeks at
// it; whether it closes the connection for those unsolicited bytes before the next request
// takes it, or that request reads them as its response, depends on which goroutine runs
// first. ghttp must do what the first order does, every time: close the connection and send
// the next request on another. That is what net/http does, every time, when the answer stops
// at its response's end, but for the connection: so the reference is sc with those bytes cut,
// and which requests reused a connection is not compared. After the first answer the
// reference's server also closes the connection, so that the second request, a GET, goes on
// a new one there too (made again if it was sent on the closed one), as a request sent on a
// new connection is not made again when it gets no answer.
func (sc *script) reference() (*script, bool) {
	ref := *sc
	trimmed := false
	for i, a := range sc.answers {
		if sh := answerShape(a, scriptRequests[i].method); sh.ends && sh.extra > 0 {
			ref.answers[i] = a[:len(a)-sh.extra]
			ref.closeFirst = ref.closeFirst || i == 0
			trimmed = true
		}
	}
	return &ref, trimmed
}

// scriptRequests are the requests each Transport makes, in order. The second is a GET: when
// the server closes the connection after its first answer, whether the next request finds it
// closed before it is sent on it is a race in both Transports, which a GET makes again on a new
// connection and a POST does not. The last one reuses the POST's connection, written by a
// greenlet of its own in ghttp.
var scriptRequests = []struct{ method, path, body string }{
	{http.MethodGet, "/1", ""},
	{http.MethodGet, "/2", ""},
	{http.MethodPost, "/3", "hello"},
	{http.MethodGet, "/4", ""},
}

// call is what the caller saw of one request.
type call struct {
	Err              bool
	Status           int
	Proto            string
	Header           http.Header
	ContentLength    int64
	TransferEncoding []string
	Close            bool
	Uncompressed     bool
	Body             string
	BodyErr          bool
	Trailer          http.Header
}

// served is a request as the server saw it.
type served struct {
	Path   string
	Reused bool // the connection carried an earlier request
	// The answer to the connection's previous request left bytes after its response's end
	// (Dirty), or had a response after which it may not be reused (Closing: Connection:
	// close, HTTP/1.0 without keep-alive, a status under 200).
	Dirty, Closing bool
}

// runResult is one Transport's run: what the caller saw, the errors' texts (not compared,
// for the messages), and what the server saw.
type runResult struct {
	calls  []call
	errs   []string
	served []served
}

// run serves the script on sl and makes the requests with the Transport exec gives to its
// function.
func (sc *script) run(t *testing.T, sl *scriptListener, exec func(t *testing.T, fn func(http.RoundTripper))) runResult {
	ss := sl.serve(sc)
	var res runResult
	base := "http://" + sl.ln.Addr().String()
	exec(t, func(rt http.RoundTripper) {
		for _, r := range scriptRequests {
			c, errText := doScripted(t, rt, base, r.method, r.path, r.body)
			res.calls = append(res.calls, c)
			res.errs = append(res.errs, errText)
			if c.Err || c.BodyErr {
				// What follows would go on a new connection: a first request again, which
				// the fuzzer reaches more cheaply with that answer first.
				break
			}
		}
	})
	res.served = ss.stop()
	return res
}

// runNetHTTP runs fn with a net/http Transport on the test's goroutine.
func runNetHTTP(_ *testing.T, fn func(http.RoundTripper)) {
	tr := &http.Transport{MaxResponseHeaderBytes: scriptHeaderLimit, ResponseHeaderTimeout: scriptHeaderTimeout}
	defer tr.CloseIdleConnections()
	fn(tr)
}

// runGHTTP runs fn with a ghttp Transport in the main greenlet of a new hub, and requires
// that no greenlet is left once the idle connections are closed.
func runGHTTP(t *testing.T, fn func(http.RoundTripper)) {
	err := scheduler.Main(func() error {
		tr := &ghttp.Transport{MaxResponseHeaderBytes: scriptHeaderLimit, ResponseHeaderTimeout: scriptHeaderTimeout}
		fn(tr)
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
		defer cancel()
		h := scheduler.CurrentHub()
		for h.Stats().LiveGreenlets > 0 {
			if err := scheduler.Sleep(ctx, 0); err != nil {
				t.Errorf("ghttp: greenlets left after the requests: %d", h.Stats().LiveGreenlets)
				return nil
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// doScripted makes one request with rt and reads its response's body to the end.
func doScripted(t *testing.T, rt http.RoundTripper, base, method, path, body string) (call, string) {
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		failOnHang(t, method, path, err)
		return call{Err: true}, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	errText := ""
	if err != nil {
		failOnHang(t, method, path, err)
		errText = "body: " + err.Error()
	}
	return call{
		Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header,
		ContentLength: resp.ContentLength, TransferEncoding: resp.TransferEncoding,
		Close: resp.Close, Uncompressed: resp.Uncompressed,
		Body: string(b), BodyErr: err != nil, Trailer: resp.Trailer,
	}, errText
}

// failOnHang fails the test for an error that is a time limit (the request's deadline, the
// header's): nothing the server does makes a Transport wait for one.
func failOnHang(t *testing.T, method, path string, err error) {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("%s %s hung until its deadline: %v", method, path, err)
	}
}

// compareRuns requires that ghttp's run saw what net/http's saw: the caller the same
// responses, the server the same requests, ghttp none on a connection it may not reuse. A
// request net/http sent on a connection it reused, ghttp must send on one it reused too
// (unless trimmed: net/http ran the script without bytes after a response's end, which keeps
// connections ghttp closes). Not the other way round: net/http may close a connection it
// could reuse, when its writing goroutine has not reported the request written within 50 ms
// of the response's end (maxWriteWaitBeforeConnReuse), which a loaded machine sees.
func compareRuns(t *testing.T, want, got runResult, trimmed bool) {
	for i := range min(len(want.calls), len(got.calls)) {
		r := scriptRequests[i]
		assert.Equal(t, want.calls[i], got.calls[i], "%s %s: what the caller saw (net/http: %q, ghttp: %q)",
			r.method, r.path, want.errs[i], got.errs[i])
	}
	assert.Len(t, got.calls, len(want.calls), "requests made")
	paths := func(ss []served) (p []string) {
		for _, s := range ss {
			p = append(p, s.Path)
		}
		return p
	}
	if !assert.Equal(t, paths(want.served), paths(got.served), "the requests the server saw") {
		return
	}
	for j, s := range got.served {
		assert.False(t, s.Dirty, "ghttp sent %s on a connection holding unsolicited bytes", s.Path)
		assert.False(t, s.Closing, "ghttp sent %s on a connection the previous response closed", s.Path)
		if !trimmed && want.served[j].Reused {
			assert.True(t, s.Reused, "ghttp sent %s on a new connection, net/http on the previous one", s.Path)
		}
	}
}

// scriptListener is the loopback listener of FuzzTransportInput's servers, one for the
// process: one per input would take a port per input from the ephemeral range, which the
// TIME_WAITs of thousands of connections a second soon exhaust (connect and bind then take
// seconds). Each run serves the connections accepted while it runs with a scriptServer of its
// own, and closes them all at its end, so nothing passes from one input to the next; a
// connection accepted between runs is closed at once.
type scriptListener struct {
	ln   net.Listener
	done chan struct{}

	mu  sync.Mutex
	cur *scriptServer
}

func newScriptListener(tb testing.TB) *scriptListener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	sl := &scriptListener{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(sl.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			sl.mu.Lock()
			ss := sl.cur
			sl.mu.Unlock()
			if ss == nil || !ss.add(c) {
				_ = c.Close()
			}
		}
	}()
	return sl
}

// close closes the listener and waits for its accept loop.
func (sl *scriptListener) close() {
	_ = sl.ln.Close()
	<-sl.done
}

// serve makes a new scriptServer of sc take the connections accepted from now on.
func (sl *scriptListener) serve(sc *script) *scriptServer {
	ss := &scriptServer{sc: sc, sl: sl}
	sl.mu.Lock()
	sl.cur = ss
	sl.mu.Unlock()
	return ss
}

// scriptServer answers every request it reads, on any connection, with a script's answers:
// the first request with the first, every later one with the second. After an answer it
// closes the connection when the answer's response does not end within it (the client reads
// to the close), when the answer is empty, and after the first when the script says so;
// otherwise it waits for the next request on the connection.
type scriptServer struct {
	sc *script
	sl *scriptListener
	wg sync.WaitGroup

	mu      sync.Mutex
	stopped bool
	conns   []net.Conn
	served  []served
}

// add serves c, unless the server stopped.
func (ss *scriptServer) add(c net.Conn) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.stopped {
		return false
	}
	ss.conns = append(ss.conns, c)
	ss.wg.Go(func() { ss.serve(c) })
	return true
}

// serve answers the requests of one connection.
func (ss *scriptServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	var prev served // what the connection's previous answer leaves
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return
		}
		prev.Path = req.URL.Path
		ss.mu.Lock()
		n := len(ss.served)
		ss.served = append(ss.served, prev)
		ss.mu.Unlock()
		answer := ss.sc.answers[min(n, 1)]
		sh := answerShape(answer, req.Method)
		if !ss.write(c, answer, len(answer)-sh.extra) {
			return
		}
		if !sh.ends || len(answer) == 0 || n == 0 && ss.sc.closeFirst {
			return
		}
		prev = served{Reused: true, Dirty: sh.extra > 0, Closing: !sh.keep}
	}
}

// write sends answer, in two writes when the script's split falls before end, its
// response's end: the second holds that end and what follows it, since bytes after a
// response's end that come later than it would look like the answer to the next request,
// to any client.
func (ss *scriptServer) write(c net.Conn, answer []byte, end int) bool {
	if k := min(ss.sc.split, end-1); k > 0 {
		if _, err := c.Write(answer[:k]); err != nil {
			return false
		}
		answer = answer[k:]
	}
	_, err := c.Write(answer)
	return err == nil
}

// stop closes every connection, waits for their goroutines and returns what the server saw.
func (ss *scriptServer) stop() []served {
	ss.sl.mu.Lock()
	ss.sl.cur = nil
	ss.sl.mu.Unlock()
	ss.mu.Lock()
	ss.stopped = true
	for _, c := range ss.conns {
		_ = c.Close()
	}
	ss.mu.Unlock()
	ss.wg.Wait()
	return ss.served
}

// shape is what a client reads of an answer.
type shape struct {
	ends  bool // the final response ends within the answer, rather than at the close
	extra int  // bytes after its end
	keep  bool // the response lets the client reuse the connection
}

// answerShape reads answer as a client does the response to a request of method, 1xx
// skipped.
func answerShape(answer []byte, method string) shape {
	r := bytes.NewReader(answer)
	br := bufio.NewReader(r)
	req := &http.Request{Method: method}
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return shape{}
		}
		code := resp.StatusCode
		switch {
		case code == http.StatusSwitchingProtocols && resp.Header.Get("Upgrade") != "" &&
			connectionHas(resp.Header, "upgrade"):
			return shape{} // the body is the connection
		case code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols:
			continue
		case resp.Body != http.NoBody && resp.ContentLength < 0 && len(resp.TransferEncoding) == 0:
			return shape{} // the body ends at the close
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return shape{}
		}
		return shape{ends: true, extra: br.Buffered() + r.Len(), keep: !resp.Close && code >= 200}
	}
}

// connectionHas reports whether h's Connection field lists token.
func connectionHas(h http.Header, token string) bool {
	for _, v := range h["Connection"] {
		for e := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(e), token) {
				return true
			}
		}
	}
	return false
}
