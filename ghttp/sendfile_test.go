package ghttp_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/ghttp"
	"github.com/geventgo/geventgo/scheduler"
)

// countingFile is a regular file that counts the Reads made through it: a body sent with
// sendfile is read by the kernel, not through Read.
type countingFile struct {
	*os.File
	reads int
}

func (f *countingFile) Read(b []byte) (int, error) {
	f.reads++
	return f.File.Read(b)
}

// bodyFile writes size random bytes to a file of the test's and returns its path and content.
func bodyFile(t *testing.T, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	_, err := rand.Read(data)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "body.bin")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path, data
}

// fileServer serves path with http.ServeContent through a countingFile, and reports the Reads
// each request made through it on reads.
func fileServer(t *testing.T, path string, reads chan<- int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if !assert.NoError(t, err) {
			return
		}
		defer f.Close()
		cf := &countingFile{File: f}
		http.ServeContent(w, r, "body.bin", time.Time{}, cf)
		reads <- cf.reads
	})
}

// fetch makes a request with net/http's client and returns the response with its body read.
func fetch(t *testing.T, c *http.Client, method, url, rangeHdr string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if rangeHdr != "" {
		req.Header.Set("Range", rangeHdr)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// TestServeContentSendfile: a file served with http.ServeContent goes out with sendfile after
// the bytes net/http sniffs, whole, in ranges and for HEAD, on one keep-alive connection.
func TestServeContentSendfile(t *testing.T) {
	path, data := bodyFile(t, 3<<20)
	reads := make(chan int, 10)
	hs := startServer(t, &ghttp.Server{Handler: fileServer(t, path, reads), ErrorLog: quietLog}, false)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	url := "http://" + hs.Addr + "/"

	resp, b := fetch(t, c, http.MethodGet, url, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, bytes.Equal(data, b), "the whole file")
	assert.LessOrEqual(t, <-reads, 2, "past the sniffed bytes, sendfile sent it")

	resp, b = fetch(t, c, http.MethodGet, url, "bytes=1000-2000999")
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.True(t, bytes.Equal(data[1000:2001000], b), "a range from its offset")
	assert.LessOrEqual(t, <-reads, 2)

	resp, b = fetch(t, c, http.MethodGet, url, "bytes=10-19")
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, data[10:20], b, "a range shorter than the sniffed bytes")
	<-reads

	resp, b = fetch(t, c, http.MethodHead, url, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, b)
	assert.Equal(t, int64(len(data)), resp.ContentLength)
	<-reads
}

// TestCopyFileOverContentLength: io.Copy of a file longer than the Content-Length the handler
// declared sends the declared bytes and fails with http.ErrContentLength, as Write does.
func TestCopyFileOverContentLength(t *testing.T) {
	path, data := bodyFile(t, 100000)
	errs := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if !assert.NoError(t, err) {
			return
		}
		defer f.Close()
		w.Header().Set("Content-Length", "50000")
		_, err = w.(io.ReaderFrom).ReadFrom(nil)
		assert.ErrorIs(t, err, scheduler.ErrNilArgument, "a nil reader")
		_, err = io.Copy(w, f)
		errs <- err
	})
	hs := startServer(t, &ghttp.Server{Handler: h, ErrorLog: quietLog}, false)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	_, b := fetch(t, c, http.MethodGet, "http://"+hs.Addr+"/", "")
	assert.Equal(t, data[:50000], b)
	assert.ErrorIs(t, <-errs, http.ErrContentLength)
}

// TestCopyFileChunkedAndTLS: without a Content-Length (chunked) and over TLS a file is copied
// through Write, and arrives whole.
func TestCopyFileChunkedAndTLS(t *testing.T) {
	path, data := bodyFile(t, 1<<20)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if !assert.NoError(t, err) {
			return
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		assert.NoError(t, err)
	})
	for _, useTLS := range []bool{false, true} {
		srv := &ghttp.Server{Handler: h, ErrorLog: quietLog}
		if useTLS {
			srv.TLSConfig = serverTLS(t)
		}
		hs := startServer(t, srv, useTLS)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS(t)}}
		scheme := "http://"
		if useTLS {
			scheme = "https://"
		}
		resp, b := fetch(t, c, http.MethodGet, scheme+hs.Addr+"/", "")
		c.CloseIdleConnections()
		assert.Equal(t, []string{"chunked"}, resp.TransferEncoding, "TLS %v", useTLS)
		assert.True(t, bytes.Equal(data, b), "TLS %v", useTLS)
	}
}
