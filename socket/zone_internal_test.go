package socket

import (
	"context"
	"net"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestZoneConversions: an IPv6 zone becomes the sockaddr's scope id (an interface's name or a
// decimal index, as package net takes it), and a scope id from the kernel becomes the zone of
// the address returned; both were dropped, so a link-local peer's address lost its interface.
// The loopback interface "lo" stands for any interface.
func TestZoneConversions(t *testing.T) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skipf("no loopback interface named lo to test zones with: %v", err)
	}
	index := uint32(lo.Index)
	for _, a := range []net.Addr{
		&net.UDPAddr{IP: net.IPv6loopback, Port: 7, Zone: "lo"},
		&net.TCPAddr{IP: net.IPv6loopback, Port: 7, Zone: "lo"},
		&net.UDPAddr{IP: net.IPv6loopback, Port: 7, Zone: strconv.Itoa(lo.Index)},
	} {
		sa, err := addrToSockaddr(a)
		require.NoError(t, err, "%v", a)
		require.IsType(t, &syscall.SockaddrInet6{}, sa)
		assert.Equal(t, index, sa.(*syscall.SockaddrInet6).ZoneId, "%v", a)
	}
	sa, err := addrToSockaddr(&net.UDPAddr{IP: net.IPv6loopback, Port: 7, Zone: "no-such-interface"})
	require.NoError(t, err)
	assert.Zero(t, sa.(*syscall.SockaddrInet6).ZoneId, "an unknown zone is no scope, as in package net")

	k, err := parseNetwork("udp6")
	require.NoError(t, err)
	ra, err := resolve(context.Background(), k, "udp6", "[::1%lo]:7", false, nil)
	require.NoError(t, err)
	assert.Equal(t, index, ra.sa.(*syscall.SockaddrInet6).ZoneId, "resolve keeps a literal's zone")
	assert.Equal(t, "[::1%lo]:7", ra.addr.String())

	in := &syscall.SockaddrInet6{Port: 7, ZoneId: index, Addr: [16]byte{15: 1}}
	assert.Equal(t, "lo", sockaddrToAddr(syscall.SOCK_STREAM, in).(*net.TCPAddr).Zone)
	assert.Equal(t, "lo", sockaddrToAddr(syscall.SOCK_DGRAM, in).(*net.UDPAddr).Zone)
	in.ZoneId = 0
	assert.Empty(t, sockaddrToAddr(syscall.SOCK_DGRAM, in).(*net.UDPAddr).Zone)

	ifs, err := net.Interfaces()
	require.NoError(t, err)
	unknown := 1
	for _, ifi := range ifs {
		unknown = max(unknown, ifi.Index+1)
	}
	in.ZoneId = uint32(unknown)
	assert.Equal(t, strconv.Itoa(unknown), sockaddrToAddr(syscall.SOCK_DGRAM, in).(*net.UDPAddr).Zone,
		"an index no interface has is named in decimal, as in package net")
}
