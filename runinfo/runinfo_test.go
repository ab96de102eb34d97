package runinfo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testHub runs a hub on a goroutine of its own with body as its main
// greenlet; body gets a context that ends when the test calls stop, which
// waits for the hub to be destroyed. The hub's number is returned.
func testHub(t *testing.T, body func(ctx context.Context) error) (id uint64, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan uint64, 1)
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Main(func() error {
			h := scheduler.CurrentHub()
			h.SetErrorOutput(io.Discard)
			info, err := h.Snapshot(ctx)
			if err != nil {
				return err
			}
			started <- info.ID
			if err := body(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		})
	}()
	select {
	case id = <-started:
	case err := <-done:
		t.Fatalf("hub did not start: %v", err)
	}
	return id, func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("hub did not end within 10 s")
		}
	}
}

// hubJSONOf is what a client decodes of one hub.
type hubJSONOf struct {
	ID        uint64
	Running   string
	Error     string `json:"error"`
	Greenlets []scheduler.GreenletInfo
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// find returns the greenlet named name in a snapshot's trees.
func find(gs []scheduler.GreenletInfo, name string) *scheduler.GreenletInfo {
	for i := range gs {
		if gs[i].Name == name {
			return &gs[i]
		}
		if g := find(gs[i].Children, name); g != nil {
			return g
		}
	}
	return nil
}

// readerHub is a hub whose greenlet "reader" waits to read a socket and
// whose main greenlet waits for the test's end.
func readerHub(t *testing.T) (uint64, func()) {
	var reading atomic.Bool
	id, stop := testHub(t, func(ctx context.Context) error {
		a, b, err := socket.Socketpair()
		if err != nil {
			return err
		}
		defer a.Close()
		defer b.Close()
		r := scheduler.Go(func() error {
			reading.Store(true)
			_, err := a.Read(make([]byte, 1))
			return err
		})
		r.SetName("reader")
		defer r.KillAsync(nil)
		return scheduler.WaitContext(ctx)
	})
	require.Eventually(t, reading.Load, 10*time.Second, time.Millisecond)
	return id, stop
}

func TestHandlerText(t *testing.T) {
	id, stop := readerHub(t)
	defer stop()
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	resp, body := get(t, srv.URL)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, body, fmt.Sprintf("Hub %d (owner goroutine ", id))
	assert.Contains(t, body, "+--- reader: waiting on socket read")
	assert.Contains(t, body, "main: waiting on context")

	resp, body2 := get(t, srv.URL+"?format=text")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body2, "reader: waiting on socket read")
	assert.NotContains(t, body2, "stack:")

	resp, body3 := get(t, srv.URL+"?stacks=1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	i := strings.Index(body3, "+--- reader: waiting on socket read")
	require.GreaterOrEqual(t, i, 0, body3)
	assert.Contains(t, body3[i:], "stack:")
	assert.Contains(t, body3[i:], "socket.(*Conn).Read(", "where the reader waits")
}

func TestHandlerJSON(t *testing.T) {
	id, stop := readerHub(t)
	defer stop()
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	resp, body := get(t, srv.URL+"?format=json")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var hubs []hubJSONOf
	require.NoError(t, json.Unmarshal([]byte(body), &hubs))
	var mine *hubJSONOf
	for i := range hubs {
		if hubs[i].ID == id {
			mine = &hubs[i]
		}
	}
	require.NotNil(t, mine, "hub %d in %s", id, body)
	assert.Empty(t, mine.Error)
	assert.Equal(t, "hub", mine.Running, "read by a posted callback")
	r := find(mine.Greenlets, "reader")
	require.NotNil(t, r)
	assert.Equal(t, "waiting", r.State)
	assert.Equal(t, "socket read", r.WaitingOn)
	assert.NotZero(t, r.Goroutine)
	assert.Empty(t, r.Stack)

	resp, body = get(t, srv.URL+"?format=json&stacks=true")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	hubs = nil
	require.NoError(t, json.Unmarshal([]byte(body), &hubs))
	for i := range hubs {
		if hubs[i].ID == id {
			r = find(hubs[i].Greenlets, "reader")
		}
	}
	require.NotNil(t, r)
	assert.Contains(t, r.Stack, fmt.Sprintf("goroutine %d [", r.Goroutine))
	assert.Contains(t, r.Stack, "socket.(*Conn).Read(")
}

func TestHandlerRefusesBadRequests(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	resp, body := get(t, srv.URL+"?format=xml")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, `unknown format "xml"`)
	resp, body = get(t, srv.URL+"?stacks=maybe")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, `stacks="maybe" is not a boolean`)

	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
}

// TestHandlerBusyHub: a hub held by a CPU loop does not hold the request
// past scheduler.RunInfoTimeout; the answer names it and its greenlet.
func TestHandlerBusyHub(t *testing.T) {
	var spinning, release atomic.Bool
	id, stop := testHub(t, func(context.Context) error {
		scheduler.CurrentHub().SetBlockingThreshold(0)
		spinning.Store(true)
		for !release.Load() {
		}
		return nil
	})
	defer stop()
	defer release.Store(true)
	require.Eventually(t, spinning.Load, 10*time.Second, time.Millisecond)
	rec := httptest.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	Handler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, Path+"?format=json", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var hubs []hubJSONOf
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &hubs))
	found := false
	for _, h := range hubs {
		if h.ID == id {
			found = true
			assert.Contains(t, h.Error, fmt.Sprintf("hub %d: ", id))
			assert.Equal(t, "main", h.Running)
		}
	}
	assert.True(t, found)
}

// TestHandlerUnderChurn reads the handler from several goroutines while
// greenlets of two hubs spawn, sleep and finish: every answer is whole.
// Run with -race to check the snapshots race with nothing.
func TestHandlerUnderChurn(t *testing.T) {
	churn := func(ctx context.Context) error {
		for ctx.Err() == nil {
			var gs []*scheduler.Greenlet[struct{}]
			for i := range 20 {
				gs = append(gs, scheduler.Go(func() error {
					child := scheduler.Go(func() error { return scheduler.Sleep(ctx, time.Duration(i%3)*time.Millisecond) })
					if err := scheduler.Sleep(ctx, 0); err != nil {
						return err
					}
					return child.Join(ctx)
				}))
			}
			if _, err := scheduler.JoinAll(ctx, gs); err != nil {
				return err
			}
		}
		return nil
	}
	_, stopA := testHub(t, churn)
	defer stopA()
	_, stopB := testHub(t, churn)
	defer stopB()
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	const readers, rounds = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, readers*rounds)
	for r := range readers {
		wg.Go(func() {
			for i := range rounds {
				url := srv.URL
				if (r+i)%2 == 0 {
					url += "?format=json"
				}
				errs <- checkAnswer(url)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// checkAnswer gets url and checks that it is a whole answer naming at
// least two hubs.
func checkAnswer(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d: %s", url, resp.StatusCode, body)
	}
	if strings.Contains(url, "json") {
		var hubs []hubJSONOf
		if err := json.Unmarshal(body, &hubs); err != nil {
			return fmt.Errorf("%s: %w", url, err)
		}
		if len(hubs) < 2 {
			return fmt.Errorf("%s: %d hubs", url, len(hubs))
		}
		for _, h := range hubs {
			if h.Error != "" || find(h.Greenlets, "main") == nil {
				return fmt.Errorf("%s: hub %d: error %q or no main", url, h.ID, h.Error)
			}
		}
		return nil
	}
	if n := strings.Count(string(body), "\nHub ") + 1; n < 2 || !strings.HasPrefix(string(body), "Hub ") {
		return fmt.Errorf("%s: %d hubs in %q", url, n, body)
	}
	return nil
}

func TestRegister(t *testing.T) {
	require.ErrorIs(t, Register(nil), scheduler.ErrNilArgument)

	mux := http.NewServeMux()
	require.NoError(t, Register(mux))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path, nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))

	err := Register(mux)
	require.ErrorIs(t, err, ErrConflict)
	assert.Contains(t, err.Error(), "runinfo: Register: ")
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path, nil))
	assert.Equal(t, http.StatusOK, rec.Code, "the mux still serves the first registration")
}
