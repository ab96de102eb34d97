package ghttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/geventgo/geventgo/scheduler"
)

// defaultTimeoutBody is net/http's body for a timeout when msg is empty.
const defaultTimeoutBody = "<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>"

// TimeoutHandler is net/http's TimeoutHandler for handlers served in greenlets. It runs h with
// a request context that ends after dt; h's writes are buffered and written out when h returns
// in time; when dt passes first the client gets 503 Service Unavailable with msg as its body
// (net/http's default body when msg is empty), and h's later Write calls return
// http.ErrHandlerTimeout. When the request's own context ends first (the client left), the
// answer is a 503 without a body and the writes return that context's error, as net/http's. A
// panic in h is re-panicked in the serving greenlet, so the server's recovery and log apply.
// As net/http's, h's ResponseWriter supports http.Pusher (through the server's ResponseWriter,
// while the wait lasts) but not http.Flusher or http.Hijacker.
//
// h runs in a new greenlet of the calling greenlet's hub, which the caller waits for
// cooperatively, bounded by that context: the hub serves other connections meanwhile, and h's
// cooperative calls work, where under http.TimeoutHandler's goroutine they fail with
// scheduler.ErrNotGreenlet and its wait stalls the hub. When the wait ends first, h's greenlet
// runs on with its context done, as net/http's goroutine does; it never touches the server's
// ResponseWriter again, so the connection goes on to its next request. The same holds when
// the serving greenlet is killed while it waits (Server.Close, the end of Shutdown's context):
// it answers as for a client that left (a bare 503), and h's greenlet, not killed, sees its
// context cancelled; the hub's Destroy kills it if it is still running then. Once the answer
// went out without h, its writes return http.ErrHandlerTimeout (or the context's error) as
// above; after h returned, a greenlet or goroutine it left behind gets ErrHandlerReturned. A
// panic in h after the wait ended goes to the hub's error handler (net/http drops it),
// http.ErrAbortHandler aside; a handler that ends with runtime.Goexit is answered at the end
// of the context, as net/http answers it.
//
// Called where a greenlet may not wait (a plain goroutine, as under net/http's own Server, or
// the hub greenlet itself), ServeHTTP is http.TimeoutHandler's.
func TimeoutHandler(h http.Handler, dt time.Duration, msg string) http.Handler {
	th := &timeoutHandler{handler: h, dt: dt, body: msg, std: http.TimeoutHandler(h, dt, msg)}
	return http.HandlerFunc(th.serveHTTP)
}

// timeoutHandler is what TimeoutHandler returns.
type timeoutHandler struct {
	handler http.Handler
	dt      time.Duration
	body    string
	std     http.Handler // net/http's, for callers that may not wait cooperatively
}

// serveHTTP runs the handler in a greenlet and answers with its response or with a 503.
func (th *timeoutHandler) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if hub := scheduler.CurrentHub(); hub == nil || errors.Is(hub.CheckWait(), scheduler.ErrNotGreenlet) {
		// No greenlet that may wait (a destroyed hub's is refused below, at once).
		th.std.ServeHTTP(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), th.dt)
	defer cancel()
	r = r.WithContext(ctx)
	tw := &timeoutWriter{w: w, h: make(http.Header), req: r}
	run := &timeoutRun{}
	g := scheduler.Go(func() error {
		run.serve(th.handler, tw, r)
		return nil
	})
	g.SetName("ghttp TimeoutHandler " + r.RemoteAddr)
	err := g.Join(ctx)
	if err == nil && !run.returned && !run.panicked {
		// Goexit, or a greenlet that never ran: net/http's wait goes on until ctx ends.
		err = scheduler.WaitContext(ctx)
	}
	switch {
	case run.panicked: // the handler's outcome, when known, wins over the wait's end
		panic(run.p)
	case run.returned:
		tw.writeOut()
	default:
		run.abandoned = true
		th.answerWithout(w, tw, ctx, err)
	}
}

// answerWithout answers the request without the handler, after the wait for it ended with
// err: the timeout's 503 and message for a deadline, a bare 503 for anything else.
func (th *timeoutHandler) answerWithout(w http.ResponseWriter, tw *timeoutWriter, ctx context.Context, err error) {
	if !errors.Is(err, context.DeadlineExceeded) {
		cause := ctx.Err()
		if cause == nil {
			cause = err // a kill ended the wait, not ctx
		}
		tw.fail(cause)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if ctx.Err() == nil {
		// The hub's timer saw the deadline before ctx did: the handler's context ends by its
		// deadline (DeadlineExceeded) rather than by the request's end once this returns.
		_ = scheduler.WaitContext(ctx)
	}
	tw.fail(http.ErrHandlerTimeout)
	w.WriteHeader(http.StatusServiceUnavailable)
	body := th.body
	if body == "" {
		body = defaultTimeoutBody
	}
	_, _ = io.WriteString(w, body)
}

// timeoutRun is how the handler's greenlet ended, for the greenlet waiting for it (both of one
// hub: they take turns).
type timeoutRun struct {
	returned  bool // the handler returned
	panicked  bool // the handler panicked with p
	p         any
	abandoned bool // the wait ended without the handler
}

// serve runs h, keeping a panic for the waiting greenlet to re-panic while it waits.
func (run *timeoutRun) serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	defer func() {
		if run.returned {
			return
		}
		p := recover()
		switch {
		case p == nil: // runtime.Goexit, which recover does not stop
		case !run.abandoned:
			run.panicked, run.p = true, p
		case p != http.ErrAbortHandler:
			panic(p) // nobody waits for it any more: the hub reports it
		}
	}()
	h.ServeHTTP(w, r)
	run.returned = true
}

// timeoutWriter is the handler's ResponseWriter: it buffers the response. Its mutex guards
// against a goroutine the handler handed it to; it is never held across a switch.
type timeoutWriter struct {
	w   http.ResponseWriter
	h   http.Header
	req *http.Request

	mu          sync.Mutex
	buf         bytes.Buffer
	err         error // the answer went out without the handler: what its writes return
	done        bool  // the handler's response went out
	wroteHeader bool
	code        int
}

var _ http.Pusher = (*timeoutWriter)(nil)

// Header returns the buffered response's header.
func (tw *timeoutWriter) Header() http.Header { return tw.h }

// Write buffers p, or fails once the response went out.
func (tw *timeoutWriter) Write(p []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if err := tw.refusal("ResponseWriter.Write"); err != nil {
		return 0, err
	}
	if !tw.wroteHeader {
		tw.wroteHeader, tw.code = true, http.StatusOK
	}
	return tw.buf.Write(p)
}

// WriteHeader records the status code (any code, as net/http's: a 1xx is kept as the status).
func (tw *timeoutWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		// net/http panics too: a handler bug, and WriteHeader cannot return an error.
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	tw.mu.Lock()
	superfluous := tw.err == nil && !tw.done && tw.wroteHeader
	if tw.err == nil && !tw.done && !tw.wroteHeader {
		tw.wroteHeader, tw.code = true, code
	}
	tw.mu.Unlock()
	if superfluous {
		timeoutLogf(tw.req, "http: superfluous response.WriteHeader call from %s", callerOutside())
	}
}

// Push passes the push on to the server's ResponseWriter while the response is the handler's.
func (tw *timeoutWriter) Push(target string, opts *http.PushOptions) error {
	tw.mu.Lock()
	err := tw.refusal("ResponseWriter.Push")
	tw.mu.Unlock()
	if err != nil {
		return err
	}
	if p, ok := tw.w.(http.Pusher); ok {
		return p.Push(target, opts)
	}
	return http.ErrNotSupported
}

// refusal is why a write fails now, nil while the response is the handler's; mu is held.
func (tw *timeoutWriter) refusal(op string) error {
	switch {
	case tw.err != nil:
		return tw.err
	case tw.done:
		return &Error{Op: op, Err: ErrHandlerReturned}
	}
	return nil
}

// fail refuses the handler's writes from now on with err.
func (tw *timeoutWriter) fail(err error) {
	tw.mu.Lock()
	tw.err = err
	tw.mu.Unlock()
}

// writeOut writes the buffered response to the server's ResponseWriter, once the handler
// returned in time.
func (tw *timeoutWriter) writeOut() {
	tw.mu.Lock()
	tw.done = true
	code := tw.code
	if !tw.wroteHeader {
		code = http.StatusOK
	}
	tw.mu.Unlock()
	// Outside mu: these may wait on the connection. The buffer is final: writes are refused.
	maps.Copy(tw.w.Header(), tw.h)
	tw.w.WriteHeader(code)
	_, _ = tw.w.Write(tw.buf.Bytes())
}

// timeoutLogf logs as net/http's helpers do: to the serving Server's ErrorLog, else to the
// standard logger.
func timeoutLogf(r *http.Request, format string, args ...any) {
	if s, _ := r.Context().Value(http.ServerContextKey).(*http.Server); s != nil && s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}
