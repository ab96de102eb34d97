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

// A server and a client on one hub: the handler runs in its connection's greenlet, the
// request blocks only the greenlet that makes it.
func ExampleServer() {
	err := scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &ghttp.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "hello from %s", r.URL.Path)
			}),
			ReadHeaderTimeout: 5 * time.Second,
		}
		scheduler.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, ghttp.ErrServerClosed) {
				return err
			}
			return nil
		})

		client := &http.Client{Transport: &ghttp.Transport{}}
		resp, err := client.Get("http://" + ln.Addr().String() + "/greenlet")
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		fmt.Println(resp.Status, string(body))
		return srv.Shutdown(context.Background())
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output: 200 OK hello from /greenlet
}

// Requests from a plain goroutine are refused: a Transport works in greenlets only.
func ExampleTransport_outsideAHub() {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	_, err := (&ghttp.Transport{}).RoundTrip(req)
	fmt.Println(errors.Is(err, scheduler.ErrNotGreenlet))
	// Output: true
}
