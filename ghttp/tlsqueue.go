package ghttp

import (
	"crypto/tls"
	"errors"
	"net"
	"time"

	"github.com/geventgo/geventgo/socket"
)

// tlsQueue is what lies between a *tls.Conn and its socket, on both sides (the server's
// tlsSocket, the Transport's tlsClientSocket). crypto/tls holds its write lock, a sync.Mutex,
// across every write to the socket, and its Read takes that lock too to send an alert (a
// record it cannot decrypt) or a KeyUpdate: had a write waited on the socket under the lock, a
// read in another greenlet (the server's watch or a request body's, the Transport's response
// read while its writer greenlet sends a request body) would then block the hub's goroutine on
// it, and every greenlet of the hub with it. So from the end of the handshake, while queueing,
// Write only queues what crypto/tls writes, never waiting, and send writes the queue to the
// socket, outside crypto/tls. Hub-affine, like its connection.
type tlsQueue struct {
	raw      net.Conn  // the socket, where send writes
	tc       *tls.Conn // the *tls.Conn over it, which writeTLS writes through
	busy     error     // what send returns while another greenlet sends
	queueing bool
	queue    []byte
	sending  bool  // a greenlet waits in send
	err      error // the first error sending the queue
	sent     int64 // bytes send wrote to the socket
	// firstEnd is where, in sent's count, the first record queued since markRecords ends;
	// -1 while none was queued.
	firstEnd int64
}

// write is the socket's Write, for crypto/tls: it queues p, or writes it through when not
// queueing.
func (q *tlsQueue) write(p []byte) (int, error) {
	if !q.queueing {
		return q.raw.Write(p)
	}
	if q.firstEnd < 0 { // crypto/tls writes a record at a time
		q.firstEnd = q.sent + int64(len(q.queue)+len(p))
	}
	q.queue = append(q.queue, p...)
	return len(p), nil
}

// markRecords starts watching for the first record queued from now on (recordOut).
func (q *tlsQueue) markRecords() { q.firstEnd = -1 }

// recordOut reports whether a whole record queued since markRecords reached the socket: what
// the peer may have decrypted, and so acted on.
func (q *tlsQueue) recordOut() bool { return q.firstEnd >= 0 && q.sent >= q.firstEnd }

// writeTLS writes p through crypto/tls, which only queues it, and sends the queue, in pieces of
// at most maxGather bytes so that the queue stays small; while another greenlet sends, it fails
// (busy) having queued nothing more. While not queueing, it is crypto/tls's Write.
func (q *tlsQueue) writeTLS(p []byte) (int, error) {
	if !q.queueing {
		return q.tc.Write(p)
	}
	n := 0
	for len(p) > 0 {
		if q.sending {
			// Fail before crypto/tls queues anything: the sending greenlet would send it.
			return n, q.busy
		}
		m, err := q.tc.Write(p[:min(len(p), maxGather)])
		if err == nil {
			err = q.send()
		}
		if err != nil {
			return n, err
		}
		n += m
		p = p[m:]
	}
	return n, nil
}

// send writes what is queued to the socket (under its write deadline), also what is queued
// while it waits; it fails at once while another greenlet sends, and with its first error
// from then on.
func (q *tlsQueue) send() error {
	if q.sending {
		return q.busy
	}
	for q.err == nil && len(q.queue) > 0 {
		q.sending = true
		n, err := q.raw.Write(q.queue)
		q.sending = false
		q.sent += int64(n)
		// The first n bytes are the same whether or not the queue grew meanwhile.
		q.queue = q.queue[:copy(q.queue, q.queue[n:])]
		q.err = err
	}
	if len(q.queue) == 0 && cap(q.queue) > 2*maxGather {
		q.queue = nil // a large write's buffer is not kept
	}
	return q.err
}

// stopQueueing sends what is queued (its error is the next write's) and makes Write write
// through again, when the caller's greenlet is the socket's only user from then on.
func (q *tlsQueue) stopQueueing() {
	if !q.queueing {
		return
	}
	_ = q.send()
	q.queueing = false
}

// closeNotifyTimeout bounds the sending of what is queued when the socket closes, as
// crypto/tls bounds the sending of its close_notify alert.
const closeNotifyTimeout = 5 * time.Second

// flushForClose sends what is queued (crypto/tls's close_notify, last) before the socket
// closes, within closeNotifyTimeout, unless another greenlet is sending: the close then cuts
// that write short, as crypto/tls's Close does to a Write in flight.
func (q *tlsQueue) flushForClose() {
	if q.queueing && !q.sending && q.err == nil && len(q.queue) > 0 {
		_ = q.raw.SetWriteDeadline(time.Now().Add(closeNotifyTimeout))
		_ = q.send()
	}
	q.queueing = false
}

// tlsSocket is the socket under a server connection's *tls.Conn: the accepted *socket.Conn
// (whose methods it keeps, for a hijacked *tls.Conn's NetConn), with its writes queued from the
// end of the handshake until the connection closes or is hijacked (stopQueueing).
type tlsSocket struct {
	*socket.Conn
	tlsQueue
}

// newTLSServer returns the *tls.Conn of an accepted socket, over a tlsSocket.
func newTLSServer(sc *socket.Conn, cfg *tls.Config) (*tls.Conn, *tlsSocket) {
	s := &tlsSocket{Conn: sc}
	s.raw, s.busy = sc, errConcurrentWrite
	s.tc = tls.Server(s, cfg)
	return s.tc, s
}

func (s *tlsSocket) Write(p []byte) (int, error) { return s.write(p) }

// stopQueueing is tlsQueue's; a nil tlsSocket (plain HTTP) does nothing.
func (s *tlsSocket) stopQueueing() {
	if s != nil {
		s.tlsQueue.stopQueueing()
	}
}

// errConcurrentTLSWrite is what a write on a Transport's TLS connection returns while another
// greenlet's write waits on it (a switched protocol's body written from two greenlets).
var errConcurrentTLSWrite = errors.New("ghttp: concurrent write on a TLS connection")

// tlsClientSocket is the socket under a Transport connection's *tls.Conn: what DialContext
// returned, with its writes queued from the end of the handshake until it closes. Close sends
// what is queued first (flushForClose).
type tlsClientSocket struct {
	net.Conn
	tlsQueue
}

// newTLSClient returns the *tls.Conn over a dialled connection, over a tlsClientSocket.
func newTLSClient(conn net.Conn, cfg *tls.Config) (*tls.Conn, *tlsClientSocket) {
	s := &tlsClientSocket{Conn: conn}
	s.raw, s.busy = conn, errConcurrentTLSWrite
	s.tc = tls.Client(s, cfg)
	return s.tc, s
}

func (s *tlsClientSocket) Write(p []byte) (int, error) { return s.write(p) }

func (s *tlsClientSocket) Close() error {
	s.flushForClose()
	return s.Conn.Close()
}
