package ghttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// FuzzServerInput sends arbitrary bytes to a Server and requires that it answers or closes,
// whatever they are: no panic escapes, nothing hangs. The seeds are the differential test's
// requests.
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
			srv := &ghttp.Server{Handler: http.HandlerFunc(diffHandler), ErrorLog: quietLog, MaxHeaderBytes: diffMaxHeaderBytes}
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
