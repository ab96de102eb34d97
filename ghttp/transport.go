package ghttp

import (
	"container/list"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/geventgo/geventgo/cev"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
)

// DefaultMaxIdleConnsPerHost is how many idle connections per host a Transport keeps when
// MaxIdleConnsPerHost is zero (net/http's default).
const DefaultMaxIdleConnsPerHost = http.DefaultMaxIdleConnsPerHost

// defaultMaxResponseHeaderBytes bounds a response header when MaxResponseHeaderBytes is zero
// (net/http's default).
const defaultMaxResponseHeaderBytes = 10 << 20

// Transport is an http.RoundTripper for greenlets: http.Client{Transport: &ghttp.Transport{}}
// and everything built on http.Client make their requests cooperatively, blocking only the
// calling greenlet. It speaks HTTP/1.1 over cooperative sockets (and crypto/tls over them for
// https), keeps idle connections per host for reuse, and bounds each request by its context
// without a goroutine: the deadline is the socket's deadline (a hub timer), a cancel reaches
// the hub through context.AfterFunc and one Post. Its fields mean what net/http's Transport
// fields of the same name mean; set them before the first request. The zero Transport is ready
// to use.
//
// A Transport serves the greenlets of every hub, so that one http.Client can be shared by a
// program that runs a hub per core: each hub has connections of its own, which only its
// greenlets use (a connection's socket belongs to one hub), and the limits (MaxIdleConns,
// MaxIdleConnsPerHost, MaxConnsPerHost) count per hub. RoundTrip from a goroutine that is not
// a greenlet (or from a hub greenlet itself) fails with an error matching
// scheduler.ErrNotGreenlet. A response body is read from greenlets of the hub that made the
// request. CloseIdleConnections may be called from any goroutine.
//
// The hub's Destroy closes the idle connections by the time it returns (a cleanup watcher on
// its loop, and a goroutine per Transport and hub that closes them as soon as Destroy starts,
// there from the first connection kept idle until none is left open on that hub), and a
// response body that a greenlet the Destroy kills closes (its deferred Close) closes its
// connection. A response body never closed, or closed after the hub's end from elsewhere (which
// is refused), keeps its connection open, as with net/http's Transport.
//
// Not supported: proxies (Proxy, the HTTP_PROXY environment variables), HTTP/2, "Expect:
// 100-continue" waits (the body is sent at once, as net/http does with ExpectContinueTimeout
// zero), internationalised host names (give the punycode form), httptrace.ClientTrace (no hook
// is called), the deprecated Request.Cancel channel (the request's context ends a request).
type Transport struct {
	// DialContext makes the connections; nil dials with socket.Dialer. It must return a
	// cooperative connection (a *socket.Conn of the calling greenlet's hub): one from package
	// net would block the whole hub on every read.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSClientConfig configures https connections (cloned; ServerName defaults to the
	// request's host, "h2" is taken out of NextProtos).
	TLSClientConfig *tls.Config
	// TLSHandshakeTimeout bounds the TLS handshake; zero means no bound beyond the request's
	// context.
	TLSHandshakeTimeout time.Duration
	// DisableKeepAlives makes every request use a new connection, closed after it.
	DisableKeepAlives bool
	// MaxIdleConns bounds the idle connections over all hosts; zero means no limit.
	MaxIdleConns int
	// MaxIdleConnsPerHost bounds the idle connections per host; zero means
	// DefaultMaxIdleConnsPerHost.
	MaxIdleConnsPerHost int
	// MaxConnsPerHost bounds the connections per host, dialing, in use and idle; a request
	// over it waits for one (bounded by its context). Zero means no limit.
	MaxConnsPerHost int
	// IdleConnTimeout closes a connection idle for longer; zero means never.
	IdleConnTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for a response header after the request was
	// written; zero means no bound beyond the request's context.
	ResponseHeaderTimeout time.Duration
	// MaxResponseHeaderBytes bounds a response header; zero means 10 MiB.
	MaxResponseHeaderBytes int64
	// DisableCompression stops the Transport from asking for gzip: by default a request
	// without Accept-Encoding or Range, other than HEAD, goes with "Accept-Encoding: gzip",
	// and a gzip response to it is decoded as it is read (Content-Encoding and Content-Length
	// removed, ContentLength -1, Uncompressed set). A caller that asks for an encoding itself
	// gets the body as sent.
	DisableCompression bool

	// states holds the connections of each hub (*scheduler.Hub to *transportState): stored
	// by that hub's greenlets, read from any goroutine by CloseIdleConnections, and deleted
	// once the hub is destroyed.
	states sync.Map
}

// connKey identifies the connections a request may use.
type connKey struct {
	scheme string // "http" or "https"
	addr   string // host:port
}

// transportState holds a Transport's connections on one hub. Hub-affine, but for the idle
// list: the hub's end closes the idle connections from another goroutine (watchEnd), while
// the greenlets its Destroy kills may still give in-use ones back, so the list is locked.
type transportState struct {
	t     *Transport
	h     *scheduler.Hub
	hosts map[connKey]*hostConns

	open int // the connections of every key, dialing, in use and idle

	mu       sync.Mutex    // guards lru, each idle connection's lruElem, gone, watching and unwatch
	lru      list.List     // idle connections, least recently used first
	gone     bool          // the hub is destroyed: the idle connections are closed, none is kept
	goneDone chan struct{} // closed once closeGone closed them
	watching bool          // watchEnd waits for the hub's end
	unwatch  chan struct{} // closed to end that wait: the state has no connection left

	reaper       *cev.Timer // closes connections idle for longer than IdleConnTimeout
	reaperActive bool

	// closeNewIdle: CloseIdleConnections was called, so connections that become idle are
	// closed too, until the next request (net/http's rule).
	closeNewIdle bool
}

// hostConns are the connections of one key.
type hostConns struct {
	idle    []*persistConn // most recently used last
	open    int            // dialing, in use and idle
	waiters []*scheduler.Waiter
}

// RoundTrip makes one request (http.RoundTripper): it takes an idle connection or dials one,
// writes the request and reads the response header. The body is read as the caller reads
// resp.Body; reading it to the end, or closing it, gives the connection back for reuse (an
// early Close closes it). A request on a reused connection that fails before any byte of the
// response arrived, its body having not failed, is made again on a new one as net/http's
// Transport makes it again: when nothing of it went out, if it has no body or GetBody, whatever
// its method; once some of it went out, if its write did not fail and it can be replayed (an
// idempotent method without a body, or with GetBody). Errors are *Error values; a request
// whose context ended fails with scheduler.ContextError's error (for a deadline, matching both
// context.DeadlineExceeded and scheduler.ErrTimeout). So does a Read of the response body
// that context ends, in an *Error naming "response body Read" (net/http's body returns the
// context's error bare); its other errors come as net/http's body gives them.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	const op = "Transport.RoundTrip"
	resp, err := t.roundTrip(req)
	if err != nil {
		if req != nil && req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &Error{Op: op, Err: err}
	}
	return resp, nil
}

func (t *Transport) roundTrip(req *http.Request) (*http.Response, error) {
	if t == nil || req == nil {
		return nil, scheduler.ErrNilArgument
	}
	if err := checkOutgoing(req); err != nil {
		return nil, err
	}
	h := scheduler.CurrentHub() // nil off a hub: CheckWait refuses that too
	if err := h.CheckWait(); err != nil {
		return nil, err
	}
	ctx := req.Context()
	if err := scheduler.ContextError(ctx); err != nil {
		return nil, err
	}
	st := t.state(h)
	key := connKey{scheme: req.URL.Scheme, addr: canonicalAddr(req.URL)}
	orig := req
	for {
		pc, err := st.getConn(ctx, key)
		if err != nil {
			if req != orig && req.Body != nil {
				_ = req.Body.Close() // a replay's, from GetBody (RoundTrip closes the caller's)
			}
			return nil, err
		}
		resp, err := pc.roundTrip(ctx, req)
		if err == nil {
			resp.Request = orig // the caller's request, not a replay's clone (net/http's too)
			return resp, nil
		}
		if !pc.retryable(ctx, req, err) {
			return nil, err
		}
		if req, err = rewindBody(req); err != nil {
			return nil, err
		}
	}
}

// checkOutgoing refuses what net/http's Transport refuses before it dials.
func checkOutgoing(req *http.Request) error {
	switch {
	case req.URL == nil:
		return errors.New("http: nil Request.URL")
	case req.Header == nil:
		return errors.New("http: nil Request.Header")
	case req.URL.Scheme != "http" && req.URL.Scheme != "https":
		return fmt.Errorf("unsupported protocol scheme %q", req.URL.Scheme)
	case req.URL.Host == "":
		return errors.New("http: no Host in request URL")
	case req.Method != "" && !validMethod(req.Method):
		return fmt.Errorf("net/http: invalid method %q", req.Method)
	}
	for k, vv := range req.Header {
		if !validHeaderFieldName(k) {
			return fmt.Errorf("net/http: invalid header field name %q", k)
		}
		for _, v := range vv {
			if !validHeaderFieldValue(v) {
				return fmt.Errorf("net/http: invalid header field value for %q", k)
			}
		}
	}
	return nil
}

// validMethod reports whether a method is a token (RFC 9110, 9.1).
func validMethod(m string) bool { return validHeaderFieldName(m) }

// canonicalAddr returns host:port for a URL, with the scheme's default port.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// rewindBody returns the request to make again: the same one without a body, a clone with a
// fresh body from GetBody otherwise.
func rewindBody(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("ghttp: cannot retry a request whose body cannot be rewound (no GetBody)")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r2 := req.Clone(req.Context())
	r2.Body = body
	return r2, nil
}

// outgoingLength returns the length of the body req sends: 0 without one, -1 when unknown.
func outgoingLength(req *http.Request) int64 {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return 0
	case req.ContentLength != 0:
		return req.ContentLength
	}
	return -1
}

// isReplayable reports whether a request may be sent again after a failure on a reused
// connection once some of it went out: an idempotent method (or an idempotency key), and a
// body that can be rewound.
func isReplayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// state returns the Transport's connections on hub h, the caller's, making them on its first
// request there; the states of hubs destroyed since are dropped then.
func (t *Transport) state(h *scheduler.Hub) *transportState {
	if v, ok := t.states.Load(h); ok {
		return v.(*transportState)
	}
	t.dropDestroyed() // never parks (closeGone): no other greenlet of h runs meanwhile
	st := &transportState{t: t, h: h, hosts: make(map[connKey]*hostConns)}
	if v, loaded := t.states.LoadOrStore(h, st); loaded {
		return v.(*transportState) // belt and braces: keep one state per hub
	}
	return st
}

// current reports whether st is still its hub's state of the Transport.
func (t *Transport) current(st *transportState) bool {
	v, ok := t.states.Load(st.h)
	return ok && v == st
}

// dropDestroyed closes what idle connections the ends of hubs destroyed since did not close
// yet; closeGone forgets each such state once its connections are closed.
func (t *Transport) dropDestroyed() {
	t.states.Range(func(k, v any) bool {
		if k.(*scheduler.Hub).Destroyed() {
			v.(*transportState).closeGone()
		}
		return true
	})
}

// CloseIdleConnections closes the idle connections of every hub (http.Client's
// CloseIdleConnections calls it), and, as net/http's does, those in use once they become idle,
// until the next request starts. Goroutine-safe. Those of the caller's own hub are closed by the
// time it returns; those of a destroyed hub too, but from a greenlet, which has them closed on
// a goroutine of its own (a Close must not hold its hub). For another hub the closing is posted to
// it: a goroutine that is no greenlet waits until it ran (or until that hub's Destroy started,
// which drops what is queued, and closes them itself), as net/http's returns once they are
// closed; a greenlet, or a hub's callback, does not wait (parked, a greenlet could take a kill
// or a Timeout's error that this call, which returns none, would swallow; blocking its thread
// could deadlock with that hub waiting on its own).
func (t *Transport) CloseIdleConnections() {
	if t == nil {
		return
	}
	t.states.Range(func(k, v any) bool {
		h, st := k.(*scheduler.Hub), v.(*transportState)
		switch {
		case h.Destroyed():
			st.closeGone()
		case h.Check() == nil:
			st.closeIdle()
		default:
			st.closeIdleFrom()
		}
		return true
	})
}

// closeIdleFrom is CloseIdleConnections off st's hub: it posts the closing to the hub, and a
// goroutine that is no greenlet waits for it. A greenlet of another hub does not: parked, it
// could take a kill or a Timeout's error that the call, which returns none, would swallow.
func (st *transportState) closeIdleFrom() {
	ran := make(chan struct{})
	if st.h.Post(func() { st.closeIdle(); close(ran) }) != nil {
		st.closeGone() // destroyed since CloseIdleConnections looked
		return
	}
	if scheduler.CurrentHub() == nil {
		st.awaitClosing(ran)
	}
}

// awaitClosing waits until the closing posted to st's hub ran, or the hub's Destroy started,
// which drops it: the idle connections are closed here then.
func (st *transportState) awaitClosing(ran <-chan struct{}) {
	select {
	case <-ran:
	case <-st.h.Done():
		st.closeGone()
	}
}

// host returns the connections of key.
func (st *transportState) host(key connKey) *hostConns {
	hc := st.hosts[key]
	if hc == nil {
		hc = &hostConns{}
		st.hosts[key] = hc
	}
	return hc
}

// getConn returns an idle connection of key that is still open, or a new one; with
// MaxConnsPerHost reached it waits until a connection is given back or closed, or ctx ends.
func (st *transportState) getConn(ctx context.Context, key connKey) (*persistConn, error) {
	st.closeNewIdle = false
	hc := st.host(key)
	for {
		if pc := st.popIdle(hc); pc != nil {
			return pc, nil
		}
		if limit := st.t.MaxConnsPerHost; limit <= 0 || hc.open < limit {
			hc.open++
			st.open++
			pc, err := st.dial(ctx, key)
			if err != nil {
				st.released(key)
				return nil, err
			}
			return pc, nil
		}
		if err := hc.wait(ctx, key); err != nil {
			return nil, err
		}
	}
}

// wait parks the caller until a connection of the host is given back or closed.
func (hc *hostConns) wait(ctx context.Context, key connKey) error {
	w := scheduler.NewWaiter("ghttp: a connection to " + key.addr)
	hc.waiters = append(hc.waiters, w)
	_, err := w.Get(ctx)
	if err == nil {
		return nil
	}
	if i := indexOf(hc.waiters, w); i >= 0 {
		hc.waiters = append(hc.waiters[:i], hc.waiters[i+1:]...)
	} else {
		hc.wakeOne() // woken and gone: pass the turn on
	}
	if ctxwait.Ended(ctx, err) {
		// RoundTrip names the call: not the Waiter's name under it.
		return ctxwait.Err(scheduler.ContextError(ctx), err)
	}
	return err
}

// wakeOne lets the first waiter try again.
func (hc *hostConns) wakeOne() {
	if len(hc.waiters) == 0 {
		return
	}
	w := hc.waiters[0]
	hc.waiters = hc.waiters[1:]
	w.Switch(nil)
}

func indexOf(ws []*scheduler.Waiter, w *scheduler.Waiter) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}

// popIdle takes the most recently used idle connection of hc that is still usable, closing
// those that are not.
func (st *transportState) popIdle(hc *hostConns) *persistConn {
	for len(hc.idle) > 0 {
		pc := hc.idle[len(hc.idle)-1]
		hc.idle = hc.idle[:len(hc.idle)-1]
		if !st.unlist(pc) {
			continue // closed by the hub's end
		}
		if st.expired(pc, time.Now()) || !pc.alive() {
			pc.close()
			continue
		}
		pc.reused = true
		return pc
	}
	return nil
}

// expired reports whether pc was idle for longer than IdleConnTimeout.
func (st *transportState) expired(pc *persistConn, now time.Time) bool {
	d := st.t.IdleConnTimeout
	return d > 0 && now.Sub(pc.idleAt) >= d
}

// putIdle keeps pc for reuse, or closes it when the limits say so.
func (st *transportState) putIdle(pc *persistConn) {
	t := st.t
	if !t.current(st) || t.DisableKeepAlives || st.closeNewIdle {
		pc.close()
		return
	}
	hc := st.host(pc.key)
	limit := t.MaxIdleConnsPerHost
	if limit == 0 {
		limit = DefaultMaxIdleConnsPerHost
	}
	if len(hc.idle) >= limit {
		pc.close()
		return
	}
	pc.idleAt = time.Now()
	n, ok := st.list(pc)
	if !ok {
		pc.close() // the hub's end closed the idle connections: none is kept any more
		return
	}
	hc.idle = append(hc.idle, pc)
	if t.MaxIdleConns > 0 && n > t.MaxIdleConns {
		st.evict(st.oldest())
	}
	st.armReaper()
	hc.wakeOne()
}

// evict closes an idle connection and forgets it.
func (st *transportState) evict(pc *persistConn) {
	hc := st.host(pc.key)
	if i := indexOfConn(hc.idle, pc); i >= 0 {
		hc.idle = append(hc.idle[:i], hc.idle[i+1:]...)
	}
	if st.unlist(pc) {
		pc.close()
	}
}

// list adds pc to the idle list and returns its length; false (and nothing listed) once the
// hub's end closed the idle connections. The first connection listed since the state had
// none starts watchEnd.
func (st *transportState) list(pc *persistConn) (int, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return 0, false
	}
	pc.lruElem = st.lru.PushBack(pc)
	if !st.watching {
		st.watching = true
		st.unwatch = make(chan struct{})
		startWatch(st, st.unwatch)
	}
	return st.lru.Len(), true
}

// unlist takes pc off the idle list, reporting whether it was there: whoever takes it off
// closes it, the hub or its end.
func (st *transportState) unlist(pc *persistConn) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if pc.lruElem == nil {
		return false
	}
	st.lru.Remove(pc.lruElem)
	pc.lruElem = nil
	return true
}

// oldest returns the least recently used idle connection, nil when there is none.
func (st *transportState) oldest() *persistConn {
	st.mu.Lock()
	defer st.mu.Unlock()
	if e := st.lru.Front(); e != nil {
		return e.Value.(*persistConn)
	}
	return nil
}

// startWatch starts st's watch of the hub's end, its place among the hub's ends (hubEnds) and
// watchEnd (a variable for the tests that check CloseIdleConnections once the hub is gone
// without them, and the hub's cleanup watcher alone). Called on the hub.
var startWatch = func(st *transportState, unwatch <-chan struct{}) {
	st.endWatch()
	go st.watchEnd(unwatch)
}

// hubEnds holds, per hub, the states whose idle connections its cleanup watcher closes within
// the hub's Destroy (its loop's), so that they are closed by the time Destroy returns:
// watchEnd's goroutine, woken when Destroy starts, may not have closed them yet. One watcher
// per hub, started for the first state that keeps a connection idle there and never stopped
// (the loop frees it), while the states come and go: one watcher however many Transports.
var hubEnds struct {
	mu sync.Mutex // taken under a state's mu, never the other way round
	m  map[*scheduler.Hub]map[*transportState]struct{}
}

// endWatch adds st to its hub's end, starting the hub's cleanup watcher for the first.
// Hub-affine.
func (st *transportState) endWatch() {
	hubEnds.mu.Lock()
	defer hubEnds.mu.Unlock()
	states, ok := hubEnds.m[st.h]
	if !ok {
		if !startHubEnd(st.h) {
			return // watchEnd's goroutine closes them, once Destroy started
		}
		if hubEnds.m == nil {
			hubEnds.m = make(map[*scheduler.Hub]map[*transportState]struct{})
		}
		states = make(map[*transportState]struct{})
		hubEnds.m[st.h] = states
	}
	states[st] = struct{}{}
}

// endUnwatch takes st out of its hub's end: it has no connection left.
func (st *transportState) endUnwatch() {
	hubEnds.mu.Lock()
	defer hubEnds.mu.Unlock()
	delete(hubEnds.m[st.h], st)
}

// startHubEnd starts h's cleanup watcher (hubEnds.mu held); false when it cannot.
func startHubEnd(h *scheduler.Hub) bool {
	w, err := h.Loop().NewCleanup(func(*cev.Cleanup, int) { closeAtHubEnd(h) })
	if err != nil {
		return false
	}
	if w.Start() != nil {
		_ = w.Close() // never started: no count to get wrong
		return false
	}
	return true
}

// closeAtHubEnd is h's cleanup watcher, run by its loop's Destroy: it closes the idle
// connections of h's states, waiting for those watchEnd's goroutine is closing (closeGone).
func closeAtHubEnd(h *scheduler.Hub) {
	hubEnds.mu.Lock()
	states := hubEnds.m[h]
	delete(hubEnds.m, h)
	hubEnds.mu.Unlock()
	for st := range states {
		st.closeGone()
	}
}

// watchEnd closes the idle connections when the hub's Destroy starts: its loop polls no more,
// and nothing else would close them before the hub's cleanup watcher. One goroutine per
// Transport and hub that keeps a connection idle, parked until that hub's Destroy starts, or
// until the state has no connection left (unwatch), so that a Transport whose connections all
// closed leaves none behind.
func (st *transportState) watchEnd(unwatch <-chan struct{}) {
	select {
	case <-st.h.Done():
		st.closeGone()
	case <-unwatch:
	}
}

// stopWatch ends watchEnd's wait and takes the state out of its hub's end once it has no
// connection left, none idle among them: the next one listed starts them again. On the hub.
func (st *transportState) stopWatch() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.watching && !st.gone {
		st.watching = false
		close(st.unwatch)
		st.endUnwatch()
	}
}

// closeGone closes the idle connections of a state whose hub is destroyed, from any goroutine,
// keeps none from then on and takes the state off its Transport once they are closed. The
// closing runs on a goroutine of its own, never in the caller: socket.Close parks a greenlet of
// another hub (its RunBlocking), which would let that hub's other greenlets run in the middle
// of a Transport's first request there (RoundTrip sweeps destroyed hubs: two states stored for
// one hub) and take a kill that this call, which returns none, would swallow. The caller waits
// for it (or for the first call's closing) only where waiting holds no live hub (mayWaitClose).
func (st *transportState) closeGone() {
	st.mu.Lock()
	if st.gone {
		st.mu.Unlock()
		if mayWaitClose() {
			<-st.goneDone
		}
		return
	}
	st.gone = true
	done := make(chan struct{})
	st.goneDone = done
	var idle []*persistConn
	for e := st.lru.Front(); e != nil; e = e.Next() {
		pc := e.Value.(*persistConn)
		pc.lruElem = nil
		idle = append(idle, pc)
	}
	st.lru.Init()
	st.mu.Unlock()
	go func() {
		for _, pc := range idle {
			pc.closeRaw()
		}
		// Forgotten only now: a CloseIdleConnections meanwhile finds the state and waits.
		st.t.states.CompareAndDelete(st.h, st)
		close(done)
	}()
	if mayWaitClose() {
		<-done
	}
}

// mayWaitClose reports whether the caller may wait for a closing that runs on another
// goroutine: a goroutine that is no greenlet, or the thread of a destroyed hub (its end), but
// not a greenlet of a live hub, which would hold its hub for as long as a Close takes, and a
// connection's Close may need that very hub (a shared socket of it, a DialContext's own Close).
func mayWaitClose() bool {
	h := scheduler.CurrentHub()
	return h == nil || h.Destroyed()
}

func indexOfConn(pcs []*persistConn, pc *persistConn) int {
	for i, x := range pcs {
		if x == pc {
			return i
		}
	}
	return -1
}

// released notes that a connection of key closed (or its dial failed): one waiter may dial.
func (st *transportState) released(key connKey) {
	hc := st.hosts[key]
	if hc == nil {
		return
	}
	hc.open--
	if st.open--; st.open == 0 {
		st.stopWatch()
		st.closeReaper()
	}
	hc.wakeOne()
}

// closeReaper frees the IdleConnTimeout timer of a state left without a connection: a hub that
// makes a Transport per request would otherwise keep each one's timer in its loop, and with it
// the state and the Transport, until the hub's end. The next idle connection makes a new one.
func (st *transportState) closeReaper() {
	if st.reaper == nil {
		return
	}
	if st.reaperActive {
		st.reaperActive = false
		_ = st.h.Loop().Ref() // the unref armReaper took while it was active
	}
	_ = st.reaper.Close()
	st.reaper = nil
}

// closeIdle closes every idle connection, and those that become idle before the next request.
func (st *transportState) closeIdle() {
	st.closeNewIdle = true
	for pc := st.oldest(); pc != nil; pc = st.oldest() {
		st.evict(pc)
	}
}

// armReaper starts the timer that closes connections idle for longer than IdleConnTimeout.
// The timer does not keep the hub's loop alive (ev_unref while active).
func (st *transportState) armReaper() {
	d := st.t.IdleConnTimeout
	if d <= 0 || st.reaperActive {
		return
	}
	oldest := st.oldest()
	if oldest == nil {
		return
	}
	after := time.Until(oldest.idleAt.Add(d))
	loop := st.h.Loop()
	if st.reaper == nil {
		tm, err := loop.NewTimer(0, 0, func(*cev.Timer, int) { st.reap() })
		if err != nil {
			return // idle connections then close when next looked at
		}
		st.reaper = tm
	}
	if st.reaper.Set(max(after, 0).Seconds(), 0) != nil || st.reaper.Start() != nil {
		return
	}
	_ = loop.Unref()
	st.reaperActive = true
}

// reap runs on the hub when the reaper fires: it closes the expired idle connections and arms
// the timer for the next.
func (st *transportState) reap() {
	if st.reaperActive {
		st.reaperActive = false
		_ = st.h.Loop().Ref() // libev stopped the one-shot timer; give back its unref
	}
	now := time.Now()
	for pc := st.oldest(); pc != nil && st.expired(pc, now); pc = st.oldest() {
		st.evict(pc)
	}
	st.armReaper()
}
