package ghttp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// FuzzServerInput sends arbitrary bytes to a Server and requires that it answers or closes,
// whatever they are: no panic escapes, nothing hangs, and each access log line is one line of
// printable UTF-8 (the request line's bytes escaped as AccessLog's doc says). The seeds are the
// differential test's requests.
func FuzzServerInput(f *testing.F) {
	for _, tc := range diffCases {
		f.Add([]byte(tc.raw))
	}
	ghttp.SetRSTAvoidanceDelay(f, ms)
	f.Fuzz(func(t *testing.T, raw []byte) {
		err := scheduler.Main(func() error {
			ln, err := socket.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			srv := &ghttp.Server{Handler: http.HandlerFunc(diffHandler), ErrorLog: quietLog, MaxHeaderBytes: diffMaxHeaderBytes,
				AccessLog: log.New(lineChecker{t}, "", 0)}
			serving := serveIn(srv, ln)
			c, err := socket.Dial("tcp", ln.Addr().String())
			if err != nil {
				return err
			}
			defer c.Close()
			conn := c.(*socket.Conn)
			// The client writes from a greenlet of its own: the server may answer before it
			// read everything.
			scheduler.Go(func() error {
				_, _ = conn.Write(raw)
				_ = conn.CloseWrite()
				return nil
			})
			// A limit against a hang: reaching it fails the input.
			if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
				return err
			}
			if _, err := io.Copy(io.Discard, conn); err != nil && !isReset(err) {
				t.Errorf("the server neither answered nor closed: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			return serving.Join(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// isReset reports whether err is a connection reset: the server closed with bytes unread.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// lineChecker fails the test for an access log write that is not one printable line.
type lineChecker struct{ t *testing.T }

func (c lineChecker) Write(p []byte) (int, error) {
	line, ok := bytes.CutSuffix(p, []byte("\n"))
	if !ok || !utf8.Valid(line) || bytes.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }) {
		c.t.Errorf("access log line not one printable line: %q", p)
	}
	return len(p), nil
}
