// Package ghttp is HTTP/1.1 for greenlets: a Server that runs any http.Handler with a greenlet
// per connection on a cooperative listener (gevent's pywsgi place), and a Transport that makes
// http.Client's requests block only the calling greenlet. Both keep net/http's wire behaviour:
// requests and responses are parsed and written with net/http's exported code wherever it
// exists. HTTP/2 is out of scope, in both directions.
//
// # Server
//
// Server has net/http's Server fields and methods (Serve, ServeTLS, ListenAndServe,
// ListenAndServeTLS, Shutdown, Close, RegisterOnShutdown, SetKeepAlivesEnabled), with Serve
// taking a *socket.Listener of the calling greenlet's hub. Each accepted connection gets a
// greenlet (in Pool, or a pool of MaxConns, when set: while it is full nothing is accepted),
// which runs the TLS handshake, then reads requests and calls the Handler itself, one request
// at a time: keep-alive, pipelined requests answered in order, chunked request and response
// bodies, "Expect: 100-continue", HEAD, "Connection: close" and HTTP/1.0, automatic
// Content-Length or chunking, Content-Type sniffing, trailers, 1xx responses, http.Flusher,
// http.Hijacker (which hands over the *socket.Conn, or the *tls.Conn over it) and the deadlines
// and full duplex of http.ResponseController. ReadHeaderTimeout, ReadTimeout, WriteTimeout and
// IdleTimeout are socket deadlines (hub timers), so a slow client holds its greenlet, never the
// hub. Errors are logged to ErrorLog in net/http's words; with AccessLog set, each request
// gets a line in gevent's pywsgi format.
//
// The Handler runs in the connection's greenlet: it may block on anything cooperative (a socket, a
// sleep, a queue, the Transport), which parks only that greenlet. Blocking Go code (a syscall, a
// cgo call, a channel fed by another goroutine) must go through scheduler.RunBlocking or the
// threadpool, or it stalls every connection of the hub; the hub's blocking detector then reports
// the connection's greenlet ("ghttp conn <address>") with the handler's stack. A wrapper that runs
// the handler on a goroutine of its own and waits for it, as http.TimeoutHandler does, is such
// code, and the handler's cooperative calls fail there with scheduler.ErrNotGreenlet: use
// TimeoutHandler, which runs it in a greenlet of the hub and waits cooperatively, or bound a
// handler by its request's context (context.WithTimeout(r.Context(), d)). The ResponseWriter and
// the request body are used from greenlets of the server's hub; from anywhere else their methods
// fail with scheduler.ErrNotGreenlet and change nothing (WriteHeader, which cannot fail, logs and
// ignores the call); once that hub is destroyed they fail with scheduler.ErrHubDestroyed, as a
// handler its Destroy killed finds (WriteHeader ignores the call without a log: the response dies
// with the hub). Once the handler has returned, panicked or was killed, a greenlet it left behind
// gets ErrHandlerReturned from the ResponseWriter (net/http leaves that undefined and its Hijack
// panics) and http.ErrBodyReadAfterClose from the body, as net/http's closed body answers. A
// response is written by one greenlet at a time: a write while another greenlet's write of it waits
// on the connection fails, and a write still waiting when the handler returns is ended, the
// response cut short and the connection closed. The server's own "100 Continue", which the body's
// first Read sends, is no write of the handler's: a write meanwhile waits for it to go out (or to
// fail: the write deadline, the connection's close), as net/http's does, and so does the body's
// first Read for an informational response another greenlet is writing. The body is read by one
// greenlet at a time: a second Read meanwhile fails (net/http panics), and a read still waiting
// when the body is closed (by the handler, or by the server once the handler returned) ends with
// http.ErrBodyReadAfterClose and the connection closes after the response.
//
// A request's context is cancelled when the handler returns, when the client closes or resets
// the connection while the handler runs (noticed by a libev io watcher on the socket, armed
// once the request body was read, as net/http's background read is: no goroutine or greenlet
// per request), when a read or write on the connection fails, and at Close or at the end of
// Shutdown's context. http.ServerContextKey holds an *http.Server carrying the Server's Addr,
// Handler, ErrorLog and timeouts (so net/http's helpers log to ErrorLog), not the Server.
//
// Shutdown closes the listeners and the idle connections, and waits for the active ones to
// finish their response (no polling: connections report their state changes). When its context
// ends first, the connections left are closed and their greenlets killed, as gevent's servers
// do. Close does that at once. Hijacked connections are neither waited for nor closed. Serve
// returns an error matching ErrServerClosed (and http.ErrServerClosed) as soon as the server
// stops.
//
// # Transport
//
// Transport is an http.RoundTripper: http.Client{Transport: &ghttp.Transport{}} makes requests in
// greenlets. Connections are dialled on cooperative sockets (crypto/tls over them for https, the
// handshake in the calling greenlet) and kept per hub and host for reuse, within
// MaxIdleConnsPerHost, MaxIdleConns, MaxConnsPerHost and IdleConnTimeout (counted per hub: one
// Transport serves every hub); the idle ones close when their hub is destroyed. A request is
// bounded by its context without a goroutine: the deadline is the socket's deadline, a cancel
// arrives through context.AfterFunc and one Hub.Post. http.Client.Timeout works the same way, since
// http.Client puts it in the request's context; net/http's Client also starts a timer goroutine per
// request for any RoundTripper it does not know, which only closes the deprecated Request.Cancel
// channel (bound requests with a context deadline to avoid it). Response bodies are read
// cooperatively, from greenlets of the hub that made the request. As net/http's Transport does, it
// asks for gzip and decodes the response transparently (Response.Uncompressed), unless
// DisableCompression is set or the request names its own Accept-Encoding.
//
// # Differences from net/http
//
// The differential test (diff_test.go) sends over 80 raw requests, well-formed and malformed
// (bad request lines, duplicate and conflicting Content-Length, bad chunk sizes, oversized
// headers, obsolete line folding, CL+TE smuggling, HTTP/1.0, pipelining, premature closes), to
// net/http's Server and to this one serving the same handler, and requires the same bytes
// back, Date aside, and the same connection outcome; FuzzServerInput sends arbitrary bytes
// and requires an answer or a close, never a panic or a hang. The one listed exception:
//
//   - http.MaxBytesReader over its limit makes net/http close the connection after the
//     response: it tells net/http's own ResponseWriter through an unexported method, which no
//     other ResponseWriter can implement. Here the connection stays open (the rest of the body
//     is read and dropped, up to 256 KiB, as for any unread body).
//
// Also different, by design:
//
//   - A connection whose request body's end was never read (a malformed trailer, a bad chunk,
//     more unread bytes than the server drains) closes after the response whatever the handler
//     made of r.Body, with full duplex too. net/http's looks only at a body still in r.Body and
//     drains only without full duplex, so after a handler that replaced the body or turned
//     full duplex on it reads what follows on the wire as the next request.
//   - Shutdown, when its context ends, and Close kill the connection greenlets (net/http's
//     Shutdown returns and leaves them running, its Close only closes the sockets).
//   - The ResponseWriter offers no http.CloseNotifier (deprecated, and a channel read would
//     block the hub: the request's context says the client left) and no http.Pusher (an
//     HTTP/2 feature).
//   - Its io.ReaderFrom (io.Copy from a file, http.ServeContent) sends a file with sendfile,
//     as net/http's does, but stops at the declared Content-Length and fails as Write does,
//     where net/http's sends the whole file past it.
//   - On TLS, a client that closes while a handler runs is noticed by a one-byte read through
//     crypto/tls in a greenlet started when the socket becomes readable, since a close_notify
//     alert cannot be told from data by peeking at the socket.
//   - On TLS, in the Server and the Transport alike, what crypto/tls writes is queued and sent
//     outside it once the handshake is done, because its Read takes its write lock (a
//     sync.Mutex) to send an alert or a KeyUpdate: a write waiting on the socket under that
//     lock (a response the client does not read, a request body the server does not read)
//     would let the peer's bad record block the hub. A hijacked *tls.Conn writes directly
//     again; a write on the body of a Transport's 101 response while another greenlet's write
//     on it waits fails at once.
//   - The Transport calls no httptrace.ClientTrace hook and does not watch the deprecated
//     Request.Cancel channel (a channel read would block the hub: the request's context ends
//     a request); it has no proxies, HTTP/2 or "Expect: 100-continue" wait (see Transport).
//
// # What is written here and why
//
// Taken from net/http as exported: http.ReadRequest and http.ReadResponse (request line,
// header and body framing, chunked and Content-Length bodies with trailers, the smuggling
// checks), Request.Write (the client's request), Header.Write and WriteSubset,
// httputil.NewChunkedWriter (chunked response bodies), http.DetectContentType, StatusText,
// and crypto/tls. Written here, because net/http keeps it unexported: the connection loop and
// its keep-alive, timeout, shutdown and pipelining rules; the ResponseWriter and the header
// finalisation (Content-Length, chunking, Connection, Content-Type, Date, trailers, 1xx); the
// request body's tracking (how much is left, whether it was read to its end, the early close
// that keeps a connection in step) and the "100 Continue" reader; the server's checks on the
// Host header and field syntax (ReadRequest drops the Host header, so the raw header section
// is kept for it); the error replies; the client's connection pool, its response-body wrapper
// and its 1xx handling. The connection's write buffer takes bufio.Writer's place: it sends a
// response header and a large body that follows it in one system call, where bufio.Writer
// makes two. The field syntax checks (lex.go) are written from RFC 9110's grammar rather than
// imported from golang.org/x/net/http/httpguts, which would pull golang.org/x/text into every
// build of the module.
package ghttp
