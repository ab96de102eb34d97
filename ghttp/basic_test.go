package ghttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

func TestServeNetHTTPClient(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello %s", r.URL.Path)
		})}
		serveIn(srv, ln)
		body, err := scheduler.RunBlocking(context.Background(), func() (string, error) {
			resp, err := http.Get("http://" + ln.Addr().String() + "/x")
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return fmt.Sprintf("%s %s %s", resp.Status, resp.Header.Get("Content-Length"), b), err
		})
		require.NoError(t, err)
		assert.Equal(t, "200 OK 8 hello /x", body)
		return srv.Shutdown(context.Background())
	}))
}

func TestTransportAgainstServer(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := &ghttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "hello %s %d", r.URL.Path, len(b))
		})}
		serveIn(srv, ln)
		c := &http.Client{Transport: &ghttp.Transport{}}
		for i := 0; i < 3; i++ {
			resp, err := c.Get("http://" + ln.Addr().String() + "/x")
			require.NoError(t, err)
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, "200 OK hello /x 0", resp.Status+" "+string(b))
			resp, err = c.Post("http://"+ln.Addr().String()+"/p", "text/plain", strings.NewReader("abc"))
			require.NoError(t, err)
			b, err = io.ReadAll(resp.Body)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, "200 OK hello /p 3", resp.Status+" "+string(b))
		}
		return srv.Shutdown(context.Background())
	}))
}

func TestErrorOfNilAndZero(t *testing.T) {
	var nilErr *ghttp.Error
	assert.Equal(t, "ghttp: <nil>", nilErr.Error())
	assert.NoError(t, nilErr.Unwrap())
	assert.False(t, nilErr.Timeout())
	assert.Equal(t, "ghttp: : <nil>", (&ghttp.Error{}).Error())
	assert.True(t, (&ghttp.Error{Op: "x", Err: scheduler.ContextError(expired())}).Timeout())
}

// expired returns a context whose deadline passed.
func expired() context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	cancel()
	return ctx
}
