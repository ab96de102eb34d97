// Command echo is the plain-Go echo server: net.Listen and a goroutine per
// connection, at the GOMAXPROCS of its environment (the runner sets 1 for
// the Go P1 column, 2 for Go P2). It prints "PORT <n>" once listening and
// serves until killed.
package main

import (
	"fmt"
	"net"

	"github.com/geventgo/geventgo/bench/internal/benchio"
)

func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		benchio.Fail(err)
	}
	fmt.Printf("PORT %d\n", ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			benchio.Fail(err)
		}
		go serve(c)
	}
}
