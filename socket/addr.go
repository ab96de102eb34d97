package socket

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
)

// netKind describes a network name accepted by Dial and Listen.
type netKind struct {
	family int // AF_INET, AF_INET6, AF_UNIX, or 0 for "pick from the address"
	sotype int
	inet   bool
}

func parseNetwork(network string) (netKind, error) {
	switch network {
	case "tcp":
		return netKind{0, syscall.SOCK_STREAM, true}, nil
	case "tcp4":
		return netKind{syscall.AF_INET, syscall.SOCK_STREAM, true}, nil
	case "tcp6":
		return netKind{syscall.AF_INET6, syscall.SOCK_STREAM, true}, nil
	case "udp":
		return netKind{0, syscall.SOCK_DGRAM, true}, nil
	case "udp4":
		return netKind{syscall.AF_INET, syscall.SOCK_DGRAM, true}, nil
	case "udp6":
		return netKind{syscall.AF_INET6, syscall.SOCK_DGRAM, true}, nil
	case "unix":
		return netKind{syscall.AF_UNIX, syscall.SOCK_STREAM, false}, nil
	case "unixgram":
		return netKind{syscall.AF_UNIX, syscall.SOCK_DGRAM, false}, nil
	case "unixpacket":
		return netKind{syscall.AF_UNIX, syscall.SOCK_SEQPACKET, false}, nil
	}
	return netKind{}, net.UnknownNetworkError(network)
}

// LookupHost resolves the host names given to Dial and Listen; ctx is the dial's (or listen's)
// context. By default, in a greenlet it is the resolver package's lookup (on the thread pool,
// without blocking the hub), on a goroutine without a hub (a shared socket's dial) it is
// net.DefaultResolver's, and in a hub callback it fails with scheduler.ErrNotGreenlet. A
// Dialer's own LookupHost takes its place for that Dialer's dials; to resolve differently
// everywhere, replace this one before anything dials; set to nil, a lookup fails with an error
// matching scheduler.ErrNilArgument.
var LookupHost = func(ctx context.Context, host string) ([]netip.Addr, error) {
	h := scheduler.CurrentHub()
	switch {
	case h == nil:
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	case h.InHub():
		return nil, scheduler.ErrNotGreenlet
	}
	return resolver.LookupNetIP(ctx, "ip", host)
}

// resolved is an address ready for the socket calls.
type resolved struct {
	family int
	sa     syscall.Sockaddr
	addr   net.Addr
}

// resolve turns address into a sockaddr for network. passive (Listen) maps an empty host to the
// wildcard address, active (Dial) to the loopback address; lookup resolves a name (nil: the
// package's LookupHost).
func resolve(ctx context.Context, k netKind, network, address string, passive bool, lookup lookupFunc) (resolved, error) {
	if !k.inet {
		if address == "" && !passive {
			return resolved{}, &net.AddrError{Err: "missing address", Addr: address}
		}
		sa := &syscall.SockaddrUnix{Name: address}
		return resolved{syscall.AF_UNIX, sa, sockaddrToAddr(k.sotype, sa)}, nil
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return resolved{}, err
	}
	port, err := resolvePort(ctx, k, address, portStr)
	if err != nil {
		return resolved{}, err
	}
	ip, err := resolveHost(ctx, k, host, passive, lookup)
	if err != nil {
		return resolved{}, err
	}
	if k.family == syscall.AF_INET && !ip.Is4() {
		return resolved{}, &net.AddrError{Err: "no suitable address", Addr: host}
	}
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	if ip.Is4() && k.family != syscall.AF_INET6 {
		sa = &syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	} else {
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: port, Addr: ip.As16(), ZoneId: zoneIndex(ip.Zone())}
	}
	return resolved{family, sa, sockaddrToAddr(k.sotype, sa)}, nil
}

// resolvePort returns the port of address: a number, or a service name looked up for the
// network's protocol.
func resolvePort(ctx context.Context, k netKind, address, portStr string) (int, error) {
	port, err := strconv.Atoi(portStr)
	if err != nil {
		base := "tcp"
		if k.sotype == syscall.SOCK_DGRAM {
			base = "udp"
		}
		if port, err = net.DefaultResolver.LookupPort(ctx, base, portStr); err != nil {
			return 0, err
		}
	}
	if port < 0 || port > 65535 {
		return 0, &net.AddrError{Err: "invalid port", Addr: address}
	}
	return port, nil
}

// lookupFunc is the type of LookupHost.
type lookupFunc = func(ctx context.Context, host string) ([]netip.Addr, error)

// resolveHost returns the IP of host (unmapped): the wildcard or loopback address for an empty
// one, a literal as it is, a name through lookup, or LookupHost when lookup is nil.
func resolveHost(ctx context.Context, k netKind, host string, passive bool, lookup lookupFunc) (netip.Addr, error) {
	switch {
	case host == "" && passive:
		if k.family == syscall.AF_INET6 {
			return netip.IPv6Unspecified(), nil
		}
		return netip.IPv4Unspecified(), nil
	case host == "":
		if k.family == syscall.AF_INET6 {
			return netip.IPv6Loopback(), nil
		}
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), nil
	}
	if lookup == nil {
		lookup = LookupHost
	}
	if lookup == nil {
		return netip.Addr{}, errNilArg("socket.LookupHost")
	}
	ips, err := lookup(ctx, host)
	if err != nil {
		return netip.Addr{}, err
	}
	ip, err := pickIP(ips, k.family, host)
	return ip.Unmap(), err
}

// pickIP picks an address of the wanted family, preferring IPv4 when any will do, as most
// dual-stack hosts here have no IPv6 route.
func pickIP(ips []netip.Addr, family int, host string) (netip.Addr, error) {
	for _, ip := range ips {
		if ip.Unmap().Is4() == (family != syscall.AF_INET6) {
			return ip, nil
		}
	}
	if family == 0 && len(ips) > 0 {
		return ips[0], nil
	}
	return netip.Addr{}, &net.AddrError{Err: "no suitable address", Addr: host}
}

// sockaddrToAddr converts a kernel address to the net.Addr type package net would return, an
// IPv6 scope id into its zone (zoneName).
func sockaddrToAddr(sotype int, sa syscall.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		ip := net.IP(append([]byte(nil), a.Addr[:]...))
		if sotype == syscall.SOCK_DGRAM {
			return &net.UDPAddr{IP: ip, Port: a.Port}
		}
		return &net.TCPAddr{IP: ip, Port: a.Port}
	case *syscall.SockaddrInet6:
		ip := net.IP(append([]byte(nil), a.Addr[:]...))
		zone := zoneName(a.ZoneId)
		if sotype == syscall.SOCK_DGRAM {
			return &net.UDPAddr{IP: ip, Port: a.Port, Zone: zone}
		}
		return &net.TCPAddr{IP: ip, Port: a.Port, Zone: zone}
	case *syscall.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: unixNetwork(sotype)}
	}
	return nil
}

// unixNetwork names a Unix socket's network by its type: "unix", "unixgram" or "unixpacket".
func unixNetwork(sotype int) string {
	switch sotype {
	case syscall.SOCK_DGRAM:
		return "unixgram"
	case syscall.SOCK_SEQPACKET:
		return "unixpacket"
	}
	return "unix"
}

// nilAddr reports whether a is nil, or a nil pointer of an address type package net has.
func nilAddr(a net.Addr) bool {
	switch v := a.(type) {
	case nil:
		return true
	case *net.UDPAddr:
		return v == nil
	case *net.TCPAddr:
		return v == nil
	case *net.UnixAddr:
		return v == nil
	case *net.IPAddr:
		return v == nil
	}
	return false
}

// addrToSockaddr converts a net.Addr given to WriteTo or as a local address, an IPv6 zone
// into its interface index (zoneIndex); a nil one (or a nil *net.UDPAddr ...) is an error
// matching scheduler.ErrNilArgument.
func addrToSockaddr(a net.Addr) (syscall.Sockaddr, error) {
	if nilAddr(a) {
		return nil, errNilArg("address")
	}
	var ip net.IP
	var port int
	var zone string
	switch v := a.(type) {
	case *net.UDPAddr:
		ip, port, zone = v.IP, v.Port, v.Zone
	case *net.TCPAddr:
		ip, port, zone = v.IP, v.Port, v.Zone
	case *net.UnixAddr:
		return &syscall.SockaddrUnix{Name: v.Name}, nil
	default:
		return nil, &net.AddrError{Err: "unsupported address type", Addr: a.String()}
	}
	if ip4 := ip.To4(); ip4 != nil {
		sa := &syscall.SockaddrInet4{Port: port}
		copy(sa.Addr[:], ip4)
		return sa, nil
	}
	if len(ip) == net.IPv6len {
		sa := &syscall.SockaddrInet6{Port: port, ZoneId: zoneIndex(zone)}
		copy(sa.Addr[:], ip)
		return sa, nil
	}
	if len(ip) == 0 {
		return &syscall.SockaddrInet4{Port: port}, nil
	}
	return nil, &net.AddrError{Err: "invalid IP", Addr: a.String()}
}

// localAddr asks the kernel for the bound address.
func localAddr(sysfd, sotype int) net.Addr {
	sa, err := syscall.Getsockname(sysfd)
	if err != nil {
		return nil
	}
	return sockaddrToAddr(sotype, sa)
}

// zoneTTL is how long the table of interfaces is trusted before a lookup reads it again, as
// package net's zone cache does.
const zoneTTL = time.Minute

// zoneTable maps interface names to indexes and back, as read at fetched.
type zoneTable struct {
	toIndex map[string]int
	toName  map[int]string
	fetched time.Time
}

var (
	zones   atomic.Pointer[zoneTable] // the last table read; replaced whole, never changed
	zonesMu sync.Mutex                // serialises the reads of the interfaces
)

// zoneIndex returns the interface index an IPv6 zone names, as package net resolves it: an
// interface's name, else a decimal index; 0 (no scope) for "" or an unknown name, which the
// kernel then refuses for an address that needs a scope (EINVAL). A decimal zone is taken as it
// is unless an interface has that name, without reading the interfaces again.
func zoneIndex(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if i, ok := zonesNow(false).toIndex[zone]; ok {
		return uint32(i)
	}
	if i, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(i)
	}
	if i, ok := zonesNow(true).toIndex[zone]; ok {
		return uint32(i)
	}
	return 0
}

// zoneName returns the zone of an IPv6 scope id, as package net names it: the interface's name,
// else the index in decimal; "" for 0.
func zoneName(index uint32) string {
	if index == 0 {
		return ""
	}
	if n, ok := zonesNow(false).toName[int(index)]; ok {
		return n
	}
	if n, ok := zonesNow(true).toName[int(index)]; ok {
		return n
	}
	return strconv.FormatUint(uint64(index), 10)
}

// zonesNow returns the table of interfaces, read again if it is older than zoneTTL or, for
// miss (a name or index it lacked), if it was read before this call began. Only addresses
// with a zone get here: ordinary ones cost nothing.
func zonesNow(miss bool) *zoneTable {
	asked := time.Now()
	t := zones.Load()
	if t != nil && !miss && asked.Sub(t.fetched) < zoneTTL {
		return t
	}
	zonesMu.Lock()
	defer zonesMu.Unlock()
	if t = zones.Load(); t != nil && !t.fetched.Before(asked) {
		return t // read by another caller meanwhile
	}
	ifs, err := net.Interfaces()
	if err != nil && t != nil {
		return t
	}
	nt := &zoneTable{
		toIndex: make(map[string]int, len(ifs)),
		toName:  make(map[int]string, len(ifs)),
		fetched: time.Now(),
	}
	for _, ifi := range ifs {
		nt.toIndex[ifi.Name] = ifi.Index
		nt.toName[ifi.Index] = ifi.Name
	}
	zones.Store(nt)
	return nt
}
