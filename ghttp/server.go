package ghttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/pool"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// DefaultMaxHeaderBytes is the largest request header the server reads when MaxHeaderBytes is
// zero (net/http's default).
const DefaultMaxHeaderBytes = http.DefaultMaxHeaderBytes

// killWait bounds how long Shutdown waits for the connection greenlets it killed to die.
const killWait = time.Second

// newConnIdleAfter is how long a connection may stay without its first request before Shutdown
// treats it as idle and closes it (net/http's figure).
const newConnIdleAfter = 5 // seconds

// Server serves HTTP/1.x on cooperative sockets, a greenlet per connection. Its fields mean
// what net/http's Server fields of the same name mean; set them before Serve and do not change
// them while it runs. The zero Server serves http.DefaultServeMux.
//
// A Server is hub-affine: it binds to the hub of the first greenlet that serves, shuts down or
// closes it, and serves listeners of that hub. Its methods called from a goroutine that is not a
// greenlet of that hub return an error matching scheduler.ErrNotGreenlet; so do Serve and
// Shutdown, which block, from the hub greenlet itself. SetKeepAlivesEnabled and
// RegisterOnShutdown may be called from any goroutine. To serve a port on several hubs (one
// per core, with socket.ListenConfig's ReusePort), give each hub a Server of its own.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on (":http" or ":https" when empty).
	Addr string
	// Handler serves the requests; nil means http.DefaultServeMux.
	Handler http.Handler
	// DisableGeneralOptionsHandler passes "OPTIONS *" requests to Handler instead of
	// answering them with 200 and Content-Length: 0.
	DisableGeneralOptionsHandler bool
	// TLSConfig is the TLS configuration of ServeTLS and ListenAndServeTLS (cloned; "h2" is
	// taken out of NextProtos, since only HTTP/1.1 is served).
	TLSConfig *tls.Config
	// ReadTimeout bounds the reading of a whole request, body included; it also bounds the
	// header and the idle wait when those have no timeout of their own.
	ReadTimeout time.Duration
	// ReadHeaderTimeout bounds the reading of a request header, from its first byte.
	ReadHeaderTimeout time.Duration
	// WriteTimeout bounds the writing of a response, from the end of its request header.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request of a keep-alive connection.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the size of a request header (DefaultMaxHeaderBytes when zero);
	// a larger one gets 431.
	MaxHeaderBytes int
	// ConnState, if set, is called when a connection changes state: in the connection's
	// greenlet, but StateNew in the greenlet serving the listener (before the connection's
	// starts), and a StateClosed that comes before the connection's greenlet started (the
	// server stopped first) there too or on the hub, where the hook must not block.
	ConnState func(net.Conn, http.ConnState)
	// ErrorLog receives the errors net/http's server would log (log's standard logger when
	// nil), in net/http's words.
	ErrorLog *log.Logger
	// AccessLog, if set, gets a line for each request once its response is out, in gevent's
	// pywsgi format: the client's address, the local time, the request line, the status, the
	// bytes sent (status line, headers, body and chunk framing; "-" for none) and the seconds
	// taken, as in `127.0.0.1 - - [2026-12-06 23:42:03] "GET / HTTP/1.1" 200 133 0.000214`. A
	// Logger made with log.New(w, "", 0) writes exactly gevent's lines.
	//
	// As in gevent, every request of which a byte came gets a line: one the Handler served,
	// one it panicked in (once the connection is closed) or hijacked the connection in (when it
	// returns), one the server answered itself (400, 417, 431, 501, 505), one left unanswered
	// (the client went away, a timeout, Shutdown). The status and bytes are what the server
	// sent ("000": no header); the request line is the one read, parsed or not, as gevent shows
	// it (its bytes as ISO-8859-1, at most 8192 of them), but control characters as \xNN.
	//
	// The write happens in the connection's greenlet: a Logger over a writer that blocks holds
	// the hub, and its writer must not be a cooperative file or socket either (a greenlet
	// parked in its write holds the Logger's lock, and the next greenlet's line would wait for
	// that lock with the whole hub). Nil (the default, as net/http's) logs nothing.
	AccessLog *log.Logger
	// BaseContext returns the base context of the requests on a listener.
	BaseContext func(net.Listener) context.Context
	// ConnContext derives the context of a new connection from the base context.
	ConnContext func(ctx context.Context, c net.Conn) context.Context
	// Pool, if set, runs the connection greenlets: while it is full the server accepts nothing,
	// as gevent's servers do with a Pool. Shutdown and Close do not wait for or kill the
	// other members of the pool.
	Pool *pool.Pool
	// MaxConns, if positive, limits the connections served at once the same way through a
	// pool of that size. It may not be combined with Pool, nor be negative.
	MaxConns int
	// ListenConfig is what ListenAndServe and ListenAndServeTLS listen with.
	ListenConfig socket.ListenConfig

	hub               scheduler.Binding
	inShutdown        atomic.Bool
	disableKeepAlives atomic.Bool
	mu                sync.Mutex // guards onShutdown
	onShutdown        []func()

	// Hub-affine from here on.
	spawner    pool.Spawner
	listeners  map[*socket.Listener]struct{}
	conns      map[*conn]struct{} // the connections served, not yet closed or hijacked
	stopCtx    context.Context    // cancelled at Shutdown and Close: ends a wait for a pool slot
	stopCancel context.CancelFunc
	changed    event.Event  // set when a connection changes state during Shutdown
	shadow     *http.Server // what http.ServerContextKey holds, for net/http's helpers
	date       dateCache    // the Date header of this second
	optionsH   http.Handler // the "OPTIONS *" handler
	lnErr      error        // the first error closing a listener
}

// ListenAndServe listens on the TCP address s.Addr and serves it (net/http's ListenAndServe).
// It returns an error matching ErrServerClosed after Shutdown or Close.
func (s *Server) ListenAndServe() error {
	return s.listenAndServe("Server.ListenAndServe", ":http", nil)
}

// ListenAndServeTLS is ListenAndServe for HTTPS, with the certificate and key in the given
// files (or in TLSConfig, when both are empty).
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	const op = "Server.ListenAndServeTLS"
	if s == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	cfg, err := s.tlsConfig(certFile, keyFile)
	if err != nil {
		return &Error{Op: op, Err: err}
	}
	return s.listenAndServe(op, ":https", cfg)
}

func (s *Server) listenAndServe(op, defaultAddr string, cfg *tls.Config) error {
	if s == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if _, err := s.hub.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	if s.inShutdown.Load() {
		return &Error{Op: op, Err: ErrServerClosed}
	}
	addr := s.Addr
	if addr == "" {
		addr = defaultAddr
	}
	ln, err := s.ListenConfig.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return &Error{Op: op, Err: err}
	}
	return s.serve(op, ln, cfg)
}

// Serve accepts connections on l and serves each in a greenlet of its own, until Shutdown or
// Close (net/http's Serve). l must be a listener of the calling greenlet's hub. Serve always
// returns a non-nil error and closes l: after Shutdown or Close one matching ErrServerClosed
// (and http.ErrServerClosed), at once, without waiting for the connections (Shutdown does).
// If the greenlet calling Serve is killed, Serve returns the kill's error and the connections
// go on.
func (s *Server) Serve(l *socket.Listener) error {
	const op = "Server.Serve"
	if s == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if l == nil {
		return &Error{Op: op, Err: errNilListener}
	}
	if _, err := s.hub.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	return s.serve(op, l, nil)
}

// ServeTLS is Serve for HTTPS: each connection's TLS handshake runs in its own greenlet, with
// the certificate and key in the given files (or in TLSConfig, when both are empty).
func (s *Server) ServeTLS(l *socket.Listener, certFile, keyFile string) error {
	const op = "Server.ServeTLS"
	if s == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if l == nil {
		return &Error{Op: op, Err: errNilListener}
	}
	if _, err := s.hub.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	cfg, err := s.tlsConfig(certFile, keyFile)
	if err != nil {
		_ = l.Close()
		return &Error{Op: op, Err: err}
	}
	return s.serve(op, l, cfg)
}

// tlsConfig returns the configuration ServeTLS serves with: TLSConfig's clone, the
// certificate from the files when given (or when TLSConfig has none), ALPN for HTTP/1.1 only.
func (s *Server) tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	cfg.NextProtos = slices.DeleteFunc(slices.Clone(cfg.NextProtos), func(p string) bool { return p == "h2" })
	if !slices.Contains(cfg.NextProtos, "http/1.1") {
		cfg.NextProtos = append(cfg.NextProtos, "http/1.1")
	}
	hasCert := len(cfg.Certificates) > 0 || cfg.GetCertificate != nil || cfg.GetConfigForClient != nil
	if !hasCert || certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// serve is the accept loop of Serve and ServeTLS (cfg non-nil for TLS).
func (s *Server) serve(op string, l *socket.Listener, cfg *tls.Config) error {
	if err := s.setup(op); err != nil {
		_ = l.Close()
		return err
	}
	if !s.trackListener(l, true) {
		_ = l.Close()
		return &Error{Op: op, Err: ErrServerClosed}
	}
	defer s.trackListener(l, false)
	base := context.Background()
	if s.BaseContext != nil {
		if base = s.BaseContext(l); base == nil {
			_ = l.Close()
			return &Error{Op: op, Err: fmt.Errorf("BaseContext returned a nil context: %w", scheduler.ErrNilArgument)}
		}
	}
	ctx := context.WithValue(base, http.ServerContextKey, s.shadow)
	for {
		sc, err := l.AcceptConn()
		if err != nil {
			_ = l.Close()
			if s.inShutdown.Load() {
				return &Error{Op: op, Err: ErrServerClosed}
			}
			return &Error{Op: op, Err: err}
		}
		if err := s.startConn(ctx, sc, cfg); err != nil {
			_ = l.Close()
			return &Error{Op: op, Err: err}
		}
	}
}

// startConn spawns the greenlet that serves sc, waiting for a free slot of a full pool.
func (s *Server) startConn(ctx context.Context, sc *socket.Conn, cfg *tls.Config) error {
	connCtx := ctx
	if cc := s.ConnContext; cc != nil {
		if connCtx = cc(ctx, sc); connCtx == nil {
			_ = sc.Close()
			return fmt.Errorf("ConnContext returned a nil context: %w", scheduler.ErrNilArgument)
		}
	}
	c := newConn(s, sc, cfg)
	c.setState(http.StateNew)
	gr, err := pool.Spawn(s.stopCtx, s.spawner, func() (struct{}, error) {
		c.serve(connCtx)
		return struct{}{}, nil
	})
	if err != nil {
		c.finished = true
		c.closeRaw()
		c.setState(http.StateClosed)
		if s.inShutdown.Load() {
			return ErrServerClosed
		}
		return err
	}
	c.gr = gr
	if ra := sc.RemoteAddr(); ra != nil {
		gr.SetName("ghttp conn " + ra.String())
	}
	// A link, not only the defer in serve: a greenlet killed before it started never runs
	// its body, and its connection must close too.
	gr.Rawlink(func(scheduler.Linkable) { c.cleanup(nil) })
	if s.inShutdown.Load() {
		// The pool's slot came before the stop's cancel: the connection is dropped.
		_ = gr.KillAsync(nil)
	}
	return nil
}

// setup prepares the server for its first Serve.
func (s *Server) setup(op string) error {
	if s.spawner != nil {
		return nil
	}
	switch {
	case s.MaxConns < 0:
		return &Error{Op: op, Err: fmt.Errorf("%w: MaxConns %d is negative", ErrBadOptions, s.MaxConns)}
	case s.Pool != nil && s.MaxConns > 0:
		return &Error{Op: op, Err: fmt.Errorf("%w: both Pool and MaxConns are set", ErrBadOptions)}
	case s.Pool != nil:
		s.spawner = s.Pool
	case s.MaxConns > 0:
		p, err := pool.New(s.MaxConns)
		if err != nil {
			return &Error{Op: op, Err: err}
		}
		s.spawner = p
	default:
		s.spawner = pool.NewGroup()
	}
	s.stopCtx, s.stopCancel = context.WithCancel(context.Background())
	if s.inShutdown.Load() {
		s.stopCancel()
	}
	s.shadow = &http.Server{
		Addr: s.Addr, Handler: s.Handler, ErrorLog: s.ErrorLog,
		ReadTimeout: s.ReadTimeout, ReadHeaderTimeout: s.ReadHeaderTimeout, WriteTimeout: s.WriteTimeout,
		IdleTimeout: s.IdleTimeout, MaxHeaderBytes: s.MaxHeaderBytes,
	}
	s.optionsH = http.HandlerFunc(globalOptions)
	return nil
}

// Shutdown stops the server gracefully (net/http's Shutdown): it closes the listeners, runs
// the functions given to RegisterOnShutdown in greenlets of their own, closes the idle
// connections, and waits until the active ones have finished their response and closed. It
// returns nil then (or the error closing a listener). When ctx ends first, it closes the
// connections left and kills their greenlets (their defers run; a handler's context is
// cancelled first), as gevent's servers do, waits up to a second for them, and returns
// ctx's error (scheduler.ContextError's). Hijacked connections are neither waited for nor
// closed. A stopped server does not serve again.
func (s *Server) Shutdown(ctx context.Context) error {
	const op = "Server.Shutdown"
	if s == nil || ctx == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if _, err := s.hub.CheckWait(); err != nil {
		return &Error{Op: op, Err: err}
	}
	s.stop()
	s.mu.Lock()
	fns := slices.Clone(s.onShutdown)
	s.mu.Unlock()
	for _, f := range fns {
		scheduler.Go(func() error { f(); return nil }).SetName("ghttp OnShutdown")
	}
	for {
		s.changed.Clear()
		quiet, wake := s.closeIdleConns()
		if quiet {
			break
		}
		if err := s.waitChange(ctx, wake); err != nil {
			s.closeConns()
			s.waitKilled()
			return &Error{Op: op, Err: err}
		}
	}
	if s.lnErr != nil {
		return &Error{Op: op, Err: s.lnErr}
	}
	return nil
}

// waitChange waits until a connection changes state, wake passes (a new connection becomes
// idle by age) or ctx ends; it returns an error only for the end of ctx or an interruption.
func (s *Server) waitChange(ctx context.Context, wake time.Time) error {
	wctx := ctx
	dl, hasDL := ctx.Deadline()
	useWake := !wake.IsZero() && (!hasDL || wake.Before(dl))
	if useWake {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, wake)
		defer cancel()
	}
	err := s.changed.Wait(wctx)
	if ctxwait.Ended(ctx, err) {
		// Shutdown names the call: not the Event's wait under it.
		return ctxwait.Err(scheduler.ContextError(ctx), err)
	}
	if err != nil && useWake && errors.Is(err, context.DeadlineExceeded) {
		return nil // the wake-up, not ctx
	}
	return err
}

// waitKilled waits up to killWait for the greenlets of the connections closed at the end of a
// Shutdown to die.
func (s *Server) waitKilled() {
	var gs []*scheduler.Greenlet[struct{}]
	for c := range s.conns {
		if c.gr != nil {
			gs = append(gs, c.gr)
		}
	}
	if len(gs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), killWait)
	defer cancel()
	_, _ = scheduler.Wait(ctx, gs, 0)
}

// Close stops the server at once (net/http's Close): it closes the listeners and every
// connection that is not hijacked, cancelling their handlers' contexts, and kills the
// connection greenlets (their defers run), without waiting. It returns the error closing a
// listener, if any. It does not block; a stopped server does not serve again.
func (s *Server) Close() error {
	const op = "Server.Close"
	if s == nil {
		return &Error{Op: op, Err: scheduler.ErrNilArgument}
	}
	if _, err := s.hub.Check(); err != nil {
		return &Error{Op: op, Err: err}
	}
	s.stop()
	s.closeConns()
	if s.lnErr != nil {
		return &Error{Op: op, Err: s.lnErr}
	}
	return nil
}

// stop marks the server stopped, ends a wait for a pool slot and closes the listeners.
func (s *Server) stop() {
	s.inShutdown.Store(true)
	if s.stopCancel != nil {
		s.stopCancel()
	}
	for ln := range s.listeners {
		if err := ln.Close(); err != nil && s.lnErr == nil && !errors.Is(err, net.ErrClosed) {
			s.lnErr = err
		}
	}
}

// closeConns closes every connection left and kills its greenlet.
func (s *Server) closeConns() {
	for c := range s.conns {
		if c.cancelCtx != nil {
			c.cancelCtx()
		}
		c.closeRaw()
		if c.gr != nil {
			_ = c.gr.KillAsync(nil)
		}
	}
}

// closeIdleConns closes the idle connections and reports whether none is left; wake is when
// the youngest connection still waiting for its first request counts as idle.
func (s *Server) closeIdleConns() (quiet bool, wake time.Time) {
	quiet = true
	now := time.Now().Unix()
	for c := range s.conns {
		st, since := c.state, c.stateUnix
		if st == http.StateNew && since < now-newConnIdleAfter {
			st = http.StateIdle
		}
		if st != http.StateIdle {
			quiet = false
			if st == http.StateNew {
				if at := time.Unix(since+newConnIdleAfter+1, 0); wake.IsZero() || at.Before(wake) {
					wake = at
				}
			}
			continue
		}
		c.closeRaw()
		delete(s.conns, c)
	}
	return quiet, wake
}

// RegisterOnShutdown registers a function Shutdown calls, in a greenlet of its own (for
// hijacked connections, which Shutdown does not close). Goroutine-safe; a nil f is ignored.
func (s *Server) RegisterOnShutdown(f func()) {
	if s == nil || f == nil {
		return
	}
	s.mu.Lock()
	s.onShutdown = append(s.onShutdown, f)
	s.mu.Unlock()
}

// SetKeepAlivesEnabled turns HTTP keep-alive on (the default) or off; turning it off closes
// the idle connections. Goroutine-safe: from outside the server's hub the closing is posted
// to the hub.
func (s *Server) SetKeepAlivesEnabled(v bool) {
	if s == nil {
		return
	}
	s.disableKeepAlives.Store(!v)
	if v {
		return
	}
	h := s.hub.Hub()
	switch {
	case h == nil:
	case h.Check() == nil:
		s.closeIdleConns()
	default:
		_ = h.Post(func() { s.closeIdleConns() })
	}
}

func (s *Server) trackListener(ln *socket.Listener, add bool) bool {
	if add {
		if s.inShutdown.Load() {
			return false
		}
		if s.listeners == nil {
			s.listeners = make(map[*socket.Listener]struct{})
		}
		s.listeners[ln] = struct{}{}
		return true
	}
	delete(s.listeners, ln)
	return true
}

func (s *Server) trackConn(c *conn, add bool) {
	if add {
		if s.conns == nil {
			s.conns = make(map[*conn]struct{})
		}
		s.conns[c] = struct{}{}
		return
	}
	delete(s.conns, c)
}

// handler returns the handler of a request: Handler (or DefaultServeMux), or the "OPTIONS *"
// answer.
func (s *Server) handler(req *http.Request) http.Handler {
	if !s.DisableGeneralOptionsHandler && req.RequestURI == "*" && req.Method == http.MethodOptions {
		return s.optionsH
	}
	if s.Handler == nil {
		return http.DefaultServeMux
	}
	return s.Handler
}

// globalOptions answers "OPTIONS *": 200 with an empty body. Its body (reserved for future
// use) is read up to 4 KiB; a longer one closes the connection, as net/http's MaxBytesReader
// makes it do.
func globalOptions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength == 0 {
		return
	}
	const limit = 4 << 10
	n, _ := io.CopyN(io.Discard, r.Body, limit+1)
	if res, ok := w.(*response); ok && n > limit {
		res.requestTooLarge()
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

func (s *Server) maxHeaderBytes() int {
	if s.MaxHeaderBytes > 0 {
		return s.MaxHeaderBytes
	}
	return DefaultMaxHeaderBytes
}

// initialReadLimitSize bounds what is read for a request header: MaxHeaderBytes and the
// reader's buffer.
func (s *Server) initialReadLimitSize() int64 { return int64(s.maxHeaderBytes()) + 4096 }

func (s *Server) readHeaderTimeout() time.Duration {
	if s.ReadHeaderTimeout != 0 {
		return s.ReadHeaderTimeout
	}
	return s.ReadTimeout
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout != 0 {
		return s.IdleTimeout
	}
	return s.ReadTimeout
}

// tlsHandshakeTimeout is the shortest positive of the read, header and write timeouts.
func (s *Server) tlsHandshakeTimeout() time.Duration {
	var d time.Duration
	for _, v := range [...]time.Duration{s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout} {
		if v > 0 && (d == 0 || v < d) {
			d = v
		}
	}
	return d
}

func (s *Server) doKeepAlives() bool {
	return !s.disableKeepAlives.Load() && !s.inShutdown.Load()
}
