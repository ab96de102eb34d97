package socket_test

import (
	"net"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/nettest"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// hubOnGoroutine runs a hub on a goroutine of its own, whose main greenlet waits (through
// RunBlocking, so the loop keeps running) until the returned stop is called; t.Cleanup calls
// stop too, which destroys the hub.
func hubOnGoroutine(t *testing.T) (*scheduler.Hub, func()) {
	t.Helper()
	hc := make(chan *scheduler.Hub, 1)
	stopc := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Main(func() error {
			hc <- scheduler.CurrentHub()
			_, err := scheduler.RunBlocking(bg, func() (struct{}, error) {
				<-stopc
				return struct{}{}, nil
			})
			return err
		})
	}()
	h := <-hc
	var once sync.Once
	stop := func() {
		once.Do(func() {
			close(stopc)
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return h, stop
}

// localAddress returns an address to listen on for network: a loopback port or a fresh path.
func localAddress(t *testing.T, network string) string {
	t.Helper()
	if network == "tcp" {
		return "127.0.0.1:0"
	}
	path, err := nettest.LocalPath()
	require.NoError(t, err)
	t.Cleanup(func() { os.Remove(path) })
	return path
}

// end says how one end of a pipe is made.
type end int

const (
	sharedEnd end = iota // a shared socket of the hub, used from the test's goroutines
	netEnd               // package net's socket
)

// makePipe returns nettest's MakePipe for network with c1 dialed and c2 accepted, each either a
// shared socket of h or package net's.
func makePipe(t *testing.T, h *scheduler.Hub, network string, dialer, acceptor end) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		var ln net.Listener
		if acceptor == sharedEnd {
			lc := socket.ListenConfig{Hub: h}
			ln, err = lc.Listen(bg, network, localAddress(t, network))
		} else {
			ln, err = nettest.NewLocalListener(network)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		accepted := make(chan net.Conn, 1)
		acceptErr := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			acceptErr <- err
			accepted <- c
		}()
		if dialer == sharedEnd {
			d := socket.Dialer{Hub: h}
			c1, err = d.DialContext(bg, network, ln.Addr().String())
		} else {
			c1, err = net.Dial(network, ln.Addr().String())
		}
		if err != nil {
			ln.Close()
			<-acceptErr
			return nil, nil, nil, err
		}
		if err := <-acceptErr; err != nil {
			c1.Close()
			ln.Close()
			return nil, nil, nil, err
		}
		c2 = <-accepted
		stop = func() {
			c1.Close()
			c2.Close()
			ln.Close()
		}
		return c1, c2, stop, nil
	}
}

// TestNettestConn runs x/net/nettest's conformance suite for net.Conn on shared sockets, dialed
// and accepted, against each other and against package net's sockets, over every stream network
// nettest can test here. The hub runs on a goroutine of its own; the suite's goroutines call the
// sockets directly.
func TestNettestConn(t *testing.T) {
	pairs := []struct {
		name             string
		dialer, acceptor end
	}{
		{"SharedToShared", sharedEnd, sharedEnd},
		{"SharedToNet", sharedEnd, netEnd},
		{"NetToShared", netEnd, sharedEnd},
	}
	for _, network := range []string{"tcp", "unix", "unixpacket"} {
		if !nettest.TestableNetwork(network) {
			continue
		}
		for _, p := range pairs {
			t.Run(network+"/"+p.name, func(t *testing.T) {
				h, _ := hubOnGoroutine(t)
				mp := makePipe(t, h, network, p.dialer, p.acceptor)
				nettest.TestConn(t, mp)
				// The suite again with the ends swapped: the accepted socket as c1.
				nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
					c1, c2, stop, err := mp()
					return c2, c1, stop, err
				})
			})
		}
	}
}
