package ghttp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/event"
	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// dialSmallWindow is smallReceiveBufferDial with a deadline, so that a large write of the
// server's fills the buffers while the client reads nothing.
func dialSmallWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	c := smallReceiveBufferDial(t, addr)
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c
}

// fillSendBuffer writes filler bytes to the server's side of a Unix stream connection until
// the kernel takes no more, and returns how many it took. On a Unix socket what the client has
// not read counts against the sender's buffer, so from then on every write of the server waits
// until the client reads.
func fillSendBuffer(c net.Conn) (int, error) {
	fd := c.(interface{ Fd() int }).Fd()
	junk := make([]byte, 4096)
	n := 0
	for {
		m, err := syscall.Write(fd, junk)
		if errors.Is(err, syscall.EAGAIN) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += m
	}
}

// continueStallServer serves, on a Unix socket, a handler that fills the connection's send
// buffer (reporting the filler's size on filled), then reads the body, whose first Read sends
// "100 Continue", which waits until the client reads; meanwhile a greenlet it spawned calls
// during (signalling on calling first) and reports what it returned on duringErr. The
// response's body is then the request body and during's error.
func continueStallServer(t *testing.T, srv *ghttp.Server, during func(w http.ResponseWriter) error) (
	hs *hubServer, filled chan int, calling chan struct{}, duringErr chan error) {
	filled, calling, duringErr = make(chan int, 1), make(chan struct{}, 1), make(chan error, 1)
	var server net.Conn // the server's side of the connection (ConnState runs on the hub)
	srv.ErrorLog = quietLog
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			server = c
		}
	}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := fillSendBuffer(server)
		if err != nil {
			filled <- -1
			return
		}
		filled <- n
		var derr error
		g := scheduler.Go(func() error {
			// Runs once the handler's greenlet waits in the write of its 100 Continue.
			calling <- struct{}{}
			derr = during(w)
			duringErr <- derr
			return nil
		})
		body, err := io.ReadAll(r.Body)
		_ = g.Join(r.Context())
		_, _ = fmt.Fprintf(w, "%s %v|%v", body, err, derr)
	})
	return startUnixServer(t, srv), filled, calling, duringErr
}

// dialUnixExpectingContinue dials the Unix socket at addr from a plain goroutine and sends the header of a
// request that expects 100-continue.
func dialUnixExpectingContinue(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("unix", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	return c
}

// A ResponseWriter call of another greenlet while the server's own "100 Continue" (sent by the
// body's first Read) waits on the connection waits for it to go out, then proceeds, as net/http
// serializes them (its writeContinueMu): the handler did not write twice at once. Before, it
// failed at once with a "concurrent ResponseWriter write" error (a 1xx WriteHeader was
// dropped).
func TestAWriteWaitsForTheServersContinue(t *testing.T) {
	cases := []struct {
		name   string
		during func(w http.ResponseWriter) error
		hints  bool   // a 103 comes after the 100
		body   string // the response's body
	}{
		{"Write", func(w http.ResponseWriter) error { _, err := io.WriteString(w, "early "); return err },
			false, "early hello <nil>|<nil>"},
		{"Flush", func(w http.ResponseWriter) error { return http.NewResponseController(w).Flush() },
			false, "hello <nil>|<nil>"},
		{"WriteHeader 103", func(w http.ResponseWriter) error { w.WriteHeader(http.StatusEarlyHints); return nil },
			true, "hello <nil>|<nil>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs, filled, calling, _ := continueStallServer(t, &ghttp.Server{}, tc.during)
			c := dialUnixExpectingContinue(t, hs.Addr)
			n := recvWithin(t, filled, "the filled send buffer")
			require.Positive(t, n)
			recvWithin(t, calling, "the other greenlet's call")
			// Only now does the client read: the 100 Continue was still waiting when the call came.
			br := bufio.NewReader(c)
			_, err := io.ReadFull(br, make([]byte, n))
			require.NoError(t, err)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			require.Equal(t, http.StatusContinue, resp.StatusCode)
			_, err = io.WriteString(c, "hello")
			require.NoError(t, err)
			resp, err = http.ReadResponse(br, nil)
			require.NoError(t, err)
			if tc.hints {
				require.Equal(t, http.StatusEarlyHints, resp.StatusCode)
				resp, err = http.ReadResponse(br, nil)
				require.NoError(t, err)
			}
			require.Equal(t, http.StatusOK, resp.StatusCode)
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(b))
		})
	}
}

// The wait for the server's 100 Continue is bounded as the continue's write is: by the
// server's WriteTimeout, and by its Close. A Flush then fails with what ended the 100
// Continue (or as a call after the handler's return), not as a concurrent write.
func TestAWriteWaitingForTheServersContinueEnds(t *testing.T) {
	write := func(w http.ResponseWriter) error { return http.NewResponseController(w).Flush() }
	t.Run("WriteTimeout", func(t *testing.T) {
		hs, filled, calling, duringErr := continueStallServer(t, &ghttp.Server{WriteTimeout: 100 * ms}, write)
		dialUnixExpectingContinue(t, hs.Addr) // reads nothing
		require.Positive(t, recvWithin(t, filled, "the filled send buffer"))
		recvWithin(t, calling, "the other greenlet's call")
		err := recvWithin(t, duringErr, "the write's end")
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	})
	t.Run("Close", func(t *testing.T) {
		hs, filled, calling, duringErr := continueStallServer(t, &ghttp.Server{}, write)
		dialUnixExpectingContinue(t, hs.Addr) // reads nothing
		require.Positive(t, recvWithin(t, filled, "the filled send buffer"))
		recvWithin(t, calling, "the other greenlet's call")
		require.NoError(t, hs.Run(func() error { return hs.srv.Close() }))
		err := recvWithin(t, duringErr, "the write's end")
		assert.True(t, errors.Is(err, net.ErrClosed) || errors.Is(err, ghttp.ErrHandlerReturned), "%v", err)
	})
}

// A body Read waiting for another greenlet's 1xx write, which waits on a client that reads
// nothing, ends when the server closes or its Shutdown's context ends, whichever greenlet
// reads: the wait ends with that write, which the connection's close ends.
func TestStopEndsABodyReadWaitingForAnInformationalWrite(t *testing.T) {
	for _, reader := range []string{"handler", "spawned"} {
		for _, stop := range []string{"Close", "Shutdown"} {
			t.Run(reader+" "+stop, func(t *testing.T) {
				readErr := make(chan error, 1)
				reading := make(chan struct{}, 1)
				read := func(r *http.Request) {
					reading <- struct{}{} // then waits in the Read without a switch between
					_, err := r.Body.Read(make([]byte, 5))
					readErr <- err
				}
				hints := func(w http.ResponseWriter) {
					w.Header().Set("Link", strings.Repeat("a", 8<<20))
					w.WriteHeader(http.StatusEarlyHints) // waits: the client reads nothing
				}
				srv := &ghttp.Server{ErrorLog: quietLog, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					var started event.Event
					if reader == "handler" {
						scheduler.Go(func() error { started.Set(); hints(w); return nil })
						_ = started.Wait(r.Context()) // the other greenlet waits in its write
						read(r)
						return
					}
					scheduler.Go(func() error { read(r); return nil }) // runs once the write waits
					hints(w)
				})}
				hs := startServer(t, srv, false)
				c := dialSmallWindow(t, hs.Addr)
				_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
				require.NoError(t, err)
				recvWithin(t, reading, "the body Read")
				if stop == "Close" {
					require.NoError(t, hs.Run(func() error { return hs.srv.Close() }))
				} else {
					ctx, cancel := context.WithTimeout(bg, 50*ms)
					defer cancel()
					err := hs.Run(func() error { return hs.srv.Shutdown(ctx) })
					require.ErrorIs(t, err, context.DeadlineExceeded)
				}
				assert.Error(t, recvWithin(t, readErr, "the body Read's end"))
			})
		}
	}
}
