// Package resolver resolves names without blocking the hub: net.Resolver's lookups run on a
// threadpool.ThreadPool and only the asking greenlet waits (gevent's threaded resolver).
package resolver

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// ErrNoAddress is returned (wrapped in a *net.DNSError) when a name has no address of the
// wanted family.
var ErrNoAddress = errors.New("no address of the requested family")

// Resolver runs a net.Resolver on a thread pool. Its methods are hub-affine: call them from a
// greenlet of the pool's hub.
type Resolver struct {
	pool *threadpool.ThreadPool
	net  *net.Resolver
}

// New returns a resolver running r (nil: net.DefaultResolver) on pool (nil: the hub's
// threadpool.Default()).
func New(pool *threadpool.ThreadPool, r *net.Resolver) *Resolver {
	if pool == nil {
		pool = threadpool.Default()
	}
	if r == nil {
		r = net.DefaultResolver
	}
	return &Resolver{pool: pool, net: r}
}

// Default returns a resolver on the calling hub's default thread pool.
func Default() *Resolver { return New(nil, nil) }

// ctx is the lookup's context: the calling greenlet's, so killing the greenlet cancels its
// lookup on the worker instead of leaving it to run to the end.
func ctx() context.Context {
	if g := scheduler.GetCurrent(); g != nil {
		return g.Context()
	}
	return context.Background()
}

func run[T any](r *Resolver, fn func(context.Context) (T, error)) (T, error) {
	c := ctx()
	return threadpool.Apply(r.pool, func() (T, error) { return fn(c) })
}

// LookupHost returns the host's addresses as strings (net.Resolver.LookupHost).
func (r *Resolver) LookupHost(host string) ([]string, error) {
	return run(r, func(c context.Context) ([]string, error) { return r.net.LookupHost(c, host) })
}

// LookupNetIP returns the host's addresses for network "ip", "ip4" or "ip6".
func (r *Resolver) LookupNetIP(network, host string) ([]netip.Addr, error) {
	return run(r, func(c context.Context) ([]netip.Addr, error) { return r.net.LookupNetIP(c, network, host) })
}

// LookupAddr returns the names of an address (reverse lookup, gethostbyaddr).
func (r *Resolver) LookupAddr(addr string) ([]string, error) {
	return run(r, func(c context.Context) ([]string, error) { return r.net.LookupAddr(c, addr) })
}

// LookupPort returns the port of a service name for network "tcp" or "udp".
func (r *Resolver) LookupPort(network, service string) (int, error) {
	return run(r, func(c context.Context) (int, error) { return r.net.LookupPort(c, network, service) })
}

// GetHostByName returns one IPv4 address of host as a string (socket.gethostbyname).
func (r *Resolver) GetHostByName(host string) (string, error) {
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().Is4() {
		return ip.Unmap().String(), nil
	}
	ips, err := r.LookupNetIP("ip4", host)
	if err != nil {
		return "", err
	}
	if len(ips) == 0 {
		return "", &net.DNSError{Err: ErrNoAddress.Error(), Name: host, IsNotFound: true}
	}
	return ips[0].Unmap().String(), nil
}

// AddrInfo is one result of GetAddrInfo: the family (AF_INET or AF_INET6, as the "4" or "6" of
// Network) and the address, ready for Dial(Network, Addr.String()).
type AddrInfo struct {
	Network string         // "tcp4", "tcp6", "udp4" or "udp6"
	Addr    netip.AddrPort // the IP (IPv4-mapped addresses unmapped) and the resolved port
}

// GetAddrInfo resolves host and port for network "tcp", "tcp4", "tcp6", "udp", "udp4" or "udp6"
// (socket.getaddrinfo): one entry per address, IPv4 first.
func (r *Resolver) GetAddrInfo(network, host, port string) ([]AddrInfo, error) {
	base, fam := network, "ip"
	switch network {
	case "tcp4", "udp4":
		base, fam = network[:3], "ip4"
	case "tcp6", "udp6":
		base, fam = network[:3], "ip6"
	case "tcp", "udp":
	default:
		return nil, net.UnknownNetworkError(network)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		if p, err = r.LookupPort(base, port); err != nil {
			return nil, err
		}
	}
	if p < 0 || p > 65535 {
		return nil, &net.AddrError{Err: "invalid port", Addr: port}
	}
	var ips []netip.Addr
	if ip, perr := netip.ParseAddr(host); perr == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = r.LookupNetIP(fam, host); err != nil {
		return nil, err
	}
	var v4, v6 []AddrInfo
	for _, ip := range ips {
		ip = ip.Unmap()
		ap := netip.AddrPortFrom(ip, uint16(p))
		switch {
		case ip.Is4() && fam != "ip6":
			v4 = append(v4, AddrInfo{base + "4", ap})
		case !ip.Is4() && fam != "ip4":
			v6 = append(v6, AddrInfo{base + "6", ap})
		}
	}
	out := append(v4, v6...)
	if len(out) == 0 {
		return nil, &net.DNSError{Err: ErrNoAddress.Error(), Name: host, IsNotFound: true}
	}
	return out, nil
}

// LookupHost is Default().LookupHost.
func LookupHost(host string) ([]string, error) { return Default().LookupHost(host) }

// LookupNetIP is Default().LookupNetIP.
func LookupNetIP(network, host string) ([]netip.Addr, error) {
	return Default().LookupNetIP(network, host)
}

// GetHostByName is Default().GetHostByName.
func GetHostByName(host string) (string, error) { return Default().GetHostByName(host) }

// GetAddrInfo is Default().GetAddrInfo.
func GetAddrInfo(network, host, port string) ([]AddrInfo, error) {
	return Default().GetAddrInfo(network, host, port)
}
