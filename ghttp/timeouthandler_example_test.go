package ghttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// A handler bounded by TimeoutHandler: it runs in a greenlet of the server's hub, so its
// cooperative sleep works and parks only that greenlet; past the limit the client gets a 503
// with the message, and a handler done in time is answered as usual.
func ExampleTimeoutHandler() {
	err := scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		work := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := time.Duration(0) // a yield
			if r.URL.Path == "/slow" {
				d = time.Minute
			}
			if err := scheduler.Sleep(r.Context(), d); err != nil {
				return // the request's context ended: the 503 is already sent
			}
			fmt.Fprintf(w, "done %s", r.URL.Path)
		})
		srv := &ghttp.Server{Handler: ghttp.TimeoutHandler(work, 500*time.Millisecond, "too slow")}
		scheduler.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, ghttp.ErrServerClosed) {
				return err
			}
			return nil
		})

		client := &http.Client{Transport: &ghttp.Transport{}}
		for _, p := range []string{"/fast", "/slow"} {
			resp, err := client.Get("http://" + ln.Addr().String() + p)
			if err != nil {
				return err
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				return err
			}
			fmt.Println(resp.Status, string(body))
		}
		return srv.Shutdown(context.Background())
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// 200 OK done /fast
	// 503 Service Unavailable too slow
}
