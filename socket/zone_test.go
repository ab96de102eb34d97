package socket_test

import (
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

// linkLocal returns an interface (lo first) with an IPv6 link-local address that package net
// can listen on, or skips the test.
func linkLocal(t *testing.T) (string, net.IP) {
	t.Helper()
	ifs, err := net.Interfaces()
	require.NoError(t, err)
	slices.SortStableFunc(ifs, func(a, b net.Interface) int {
		return boolInt(b.Flags&net.FlagLoopback != 0) - boolInt(a.Flags&net.FlagLoopback != 0)
	})
	for _, ifi := range ifs {
		addrs, err := ifi.Addrs()
		if err != nil || ifi.Flags&net.FlagUp == 0 {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.To4() != nil || !ipn.IP.IsLinkLocalUnicast() {
				continue
			}
			nl, err := net.Listen("tcp6", net.JoinHostPort(ipn.IP.String()+"%"+ifi.Name, "0"))
			if err == nil {
				require.NoError(t, nl.Close())
				return ifi.Name, ipn.IP
			}
		}
	}
	t.Skip("no IPv6 link-local address that package net can listen on (see ip -6 addr): zones need one")
	return "", nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// zoneOf returns the zone of a TCP or UDP address.
func zoneOf(a net.Addr) string {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.Zone
	case *net.UDPAddr:
		return v.Zone
	}
	return "not an IP address"
}

// TestIPv6ZoneTCP: a connection to a link-local address keeps its zone both ways: Listen and
// Dial (by name or index, and a Dialer's local address) pass it to the kernel as the scope id,
// which they dropped (bind and connect then fail with EINVAL), and the addresses of both ends
// carry it, which they lost.
func TestIPv6ZoneTCP(t *testing.T) {
	ifname, ip := linkLocal(t)
	ifi, err := net.InterfaceByName(ifname)
	require.NoError(t, err)
	run(t, func() error {
		l, err := socket.Listen("tcp6", net.JoinHostPort(ip.String()+"%"+ifname, "0"))
		require.NoError(t, err)
		defer l.Close()
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		for _, zone := range []string{ifname, strconv.Itoa(ifi.Index)} {
			acc := scheduler.Spawn(l.AcceptConn)
			d := socket.Dialer{LocalAddr: &net.TCPAddr{IP: ip, Zone: zone}, Timeout: 5 * time.Second}
			c, err := d.Dial("tcp6", net.JoinHostPort(ip.String()+"%"+zone, port))
			require.NoError(t, err, "zone %s", zone)
			s, err := acc.Get(bg)
			require.NoError(t, err)
			for _, a := range []net.Addr{c.LocalAddr(), c.RemoteAddr(), s.LocalAddr(), s.RemoteAddr()} {
				assert.Equal(t, ifname, zoneOf(a), "zone %s: %v", zone, a)
			}
			require.NoError(t, s.Close())
			require.NoError(t, c.Close())
		}
		return nil
	})
}

// TestIPv6ZoneUDP: the sender of a datagram from a link-local address keeps its zone, and a
// reply written to it reaches the sender; the zone was dropped, as in ReadFrom's sender.
func TestIPv6ZoneUDP(t *testing.T) {
	ifname, ip := linkLocal(t)
	run(t, func() error {
		srv, err := socket.ListenPacket("udp6", "[::]:0")
		require.NoError(t, err)
		defer srv.Close()
		cli, err := socket.ListenPacket("udp6", net.JoinHostPort(ip.String()+"%"+ifname, "0"))
		require.NoError(t, err)
		defer cli.Close()
		assert.Equal(t, ifname, zoneOf(cli.LocalAddr()))
		to := &net.UDPAddr{IP: ip, Port: srv.LocalAddr().(*net.UDPAddr).Port, Zone: ifname}
		buf := make([]byte, 16)
		for _, read := range []string{"ReadFrom", "ReadDatagram"} {
			_, err = cli.WriteTo([]byte("ping"), to)
			require.NoError(t, err)
			var from net.Addr
			if read == "ReadFrom" {
				_, from, err = srv.ReadFrom(buf)
			} else {
				_, from, err = srv.ReadDatagram()
			}
			require.NoError(t, err)
			assert.Equal(t, ifname, zoneOf(from), "%s: %v", read, from)
			_, err = srv.WriteTo([]byte("pong"), from)
			require.NoError(t, err)
			require.NoError(t, cli.SetReadDeadline(time.Now().Add(5*time.Second)))
			n, back, err := cli.ReadFrom(buf)
			require.NoError(t, err)
			assert.Equal(t, "pong", string(buf[:n]))
			assert.Equal(t, ifname, zoneOf(back))
		}
		return nil
	})
}
