package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// requester makes one request on its connection and checks the answer.
type requester func() error

// errBadAnswer is wrapped by every answer that is not the one expected.
var errBadAnswer = errors.New("loadgen: bad answer")

// requester returns how each connection makes its requests.
func (cfg config) requester() func(i int, c net.Conn) requester {
	if cfg.httpPath != "" {
		return func(_ int, c net.Conn) requester { return httpGet(c, cfg.httpPath) }
	}
	return func(i int, c net.Conn) requester { return echo(c, i, cfg.size) }
}

// echo sends connection i's size-byte message and reads its echo.
func echo(c net.Conn, i, size int) requester {
	msg := make([]byte, size)
	buf := make([]byte, size)
	for j := range msg {
		msg[j] = byte('a' + (i+j)%26)
	}
	return func() error {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if !bytes.Equal(buf, msg) {
			return fmt.Errorf("%w: echo mismatch", errBadAnswer)
		}
		return nil
	}
}

// httpGet sends GET path on a kept-alive connection and reads the response
// with its body; anything but a 200 or a closing server is an error.
func httpGet(c net.Conn, path string) requester {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: loadgen\r\nUser-Agent: geventgo-loadgen\r\n\r\n")
	br := bufio.NewReader(c)
	return func() error {
		if _, err := c.Write(req); err != nil {
			return err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return err
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("%w: HTTP status %s", errBadAnswer, resp.Status)
		case resp.Close:
			return fmt.Errorf("%w: the server closed the connection (Connection: close)", errBadAnswer)
		}
		return nil
	}
}
