// Package resolver resolves names without blocking the hub: net.Resolver's lookups run on a
// threadpool.ThreadPool and only the asking greenlet waits (gevent's threaded resolver), or,
// with NewUnpooled, on a goroutine of their own each, where package net's DNS client waits in
// Go's network poller and holds no thread (what gevent's ares resolver is for).
//
// # Goroutines
//
// Every lookup is hub-affine: from a goroutine that is not a greenlet, or from the hub greenlet
// itself, it returns an error matching scheduler.ErrNotGreenlet, even one that needs no lookup
// (an IP address, a numeric port), so that code tried with addresses does not fail only later
// with names; a lookup is refused the same way from a greenlet of another hub than its pool's.
// No call creates a hub. New and Default may be called from any goroutine, and a Resolver holds
// no state of its own: one whose pool is nil may be shared by goroutines and hubs.
//
// # Waiting
//
// The methods take a context first, like net.Resolver's, and hand it to the lookup running on the
// pool: a deadline or a cancel stops the lookup itself, not only the greenlet's wait, and so does
// the end of the wait for any other reason (a Kill of the greenlet, a *scheduler.Timeout), with one
// exception of net.Resolver's own: a lookup of a name that another caller of the same net.Resolver
// is looking up too shares that caller's lookup, which then goes on to its end or net.Resolver's
// own timeouts even after both stopped waiting. A lookup that ends with its context fails as
// net.Resolver's does, with a *net.DNSError for the name ("i/o timeout" with IsTimeout for a
// deadline, and for a cancel by a scheduler.Timeout's Context; "operation was canceled") that
// wraps scheduler.ContextError's error, so that errors.Is matches scheduler.ErrTimeout and
// context.DeadlineExceeded, or context.Canceled (and ErrTimeout after a Timeout); one that the pool
// refuses (closed, or closed while the lookup still waited for a worker) an error matching
// threadpool.ErrClosed and scheduler.ErrClosed; one whose greenlet is killed the kill's error, even
// a context's (context.Canceled) while ctx itself has not ended. Refusals and ends are *Error
// values naming the call and the name; the lookup's own failures are net's errors, as
// net.Resolver returns them.
//
// What net.Resolver answers without a lookup, whatever its context (an empty host, an IP address, a
// numeric port, an unknown network or IP protocol, a reverse lookup of no address), is answered
// with net.Resolver's values and errors even when ctx is already done. On a pool it still waits
// for a worker's turn, so that the pool refuses it as it refuses a lookup (closed, or closed under
// the wait), but only while ctx lasts: once ctx ended, a pool that is not closed gives way to
// net's answer in the calling greenlet, without a worker; a closed one refuses it with
// threadpool.ErrClosed. A Kill ends the wait with the kill's error.
// The record lookups (LookupCNAME, LookupMX, LookupNS, LookupSRV, LookupTXT) always count as
// lookups. What a failed lookup returns beside its error (the records net.Resolver keeps once it
// filtered out malformed names) comes back with it.
//
// # Panics
//
// A panic in the lookup on the pool's worker, a Dial hook of the net.Resolver called there (a
// reverse lookup's, say), comes back as a *scheduler.PanicError. net.Resolver runs some of its
// queries on goroutines of its own (an address lookup asks for A and AAAA records at once), and
// a panic of a hook there crashes the process, as it does with net.Resolver called directly:
// nothing outside package net can recover it.
//
// # Zero values
//
// The zero Resolver, like a nil *Resolver (as for net.Resolver), runs net.DefaultResolver on the
// calling hub's threadpool.Default(); the package-level functions use it.
package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/geventgo/geventgo/internal/ctxwait"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// ErrNoAddress is returned (wrapped in a *net.DNSError) when a name has no address of the
// wanted family.
var ErrNoAddress = errors.New("no address of the requested family")

// Error is the error of a lookup that did not get an answer from the net.Resolver: refused
// (scheduler.ErrNotGreenlet, scheduler.ErrNilArgument, threadpool.ErrClosed), or ended by its
// context (scheduler.ContextError's error) or by an error thrown into the waiting greenlet. The
// resolver's own failures are net's errors, as net.Resolver returns them (*net.DNSError ...).
type Error struct {
	Op   string // e.g. "Resolver.LookupHost"
	Name string // the name, address or service looked up
	Err  error  // the cause
}

// Error returns "resolver: Op name: cause".
func (e *Error) Error() string {
	if e == nil {
		return "resolver: <nil>"
	}
	op := e.Op
	if e.Name != "" && !namesHost(e.Err, e.Name) {
		op += " " + e.Name
	}
	return "resolver: " + op + ": " + fmt.Sprint(e.Err)
}

// namesHost reports whether err's text names host already: a *net.DNSError for it says "lookup
// host: ...".
func namesHost(err error, host string) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.Name == host
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Timeout reports whether the cause is a net.Error that timed out (a lookup its context's
// deadline ended, or net's own), so *Error is a net.Error, as package net's errors are.
func (e *Error) Timeout() bool {
	var ne net.Error
	return e != nil && errors.As(e.Err, &ne) && ne.Timeout()
}

// Temporary reports whether the cause is a net.Error that says it is temporary (net.Error's
// deprecated method, kept for the interface).
func (e *Error) Temporary() bool {
	var ne interface{ Temporary() bool }
	return e != nil && errors.As(e.Err, &ne) && ne.Temporary()
}

// Resolver runs a net.Resolver on a thread pool (New), or on goroutines of its own
// (NewUnpooled). The zero Resolver, like a nil *Resolver (as for net.Resolver), runs
// net.DefaultResolver on the calling hub's threadpool.Default(). A Resolver holds no hub state
// of its own: it may be shared by hubs when its pool is nil.
type Resolver struct {
	pool     *threadpool.ThreadPool
	net      *net.Resolver
	unpooled bool
}

// New returns a resolver running r (nil: net.DefaultResolver) on pool (nil: the calling hub's
// threadpool.Default() at each lookup).
func New(pool *threadpool.ThreadPool, r *net.Resolver) *Resolver {
	return &Resolver{pool: pool, net: r}
}

// NewUnpooled returns a resolver running r (nil: net.DefaultResolver) on a goroutine of its own
// per lookup (scheduler.RunBlocking), where New's takes a worker of a thread pool: nothing bounds
// how many run at once. With package net's own DNS client (a net.Resolver with PreferGo, or the
// resolver net picks on most systems) a lookup waits in Go's network poller and holds no
// thread, as gevent's ares resolver waits in the loop; a cgo lookup holds a thread of the Go
// runtime's while it runs. The contracts are New's: the same errors, the same end of a lookup
// with its wait, a panic of a hook as a *scheduler.PanicError. What net answers without a
// lookup is answered in the calling greenlet.
func NewUnpooled(r *net.Resolver) *Resolver {
	return &Resolver{net: r, unpooled: true}
}

var defaultResolver = new(Resolver)

// Default returns the resolver the package-level functions use: the zero Resolver.
func Default() *Resolver { return defaultResolver }

func (r *Resolver) netResolver() *net.Resolver {
	if r == nil || r.net == nil {
		return net.DefaultResolver
	}
	return r.net
}

func (r *Resolver) threadPool() *threadpool.ThreadPool {
	if r == nil || r.pool == nil {
		return threadpool.Default()
	}
	return r.pool
}

// check refuses a call without a context, or from where it could not wait: the same errors for
// a name that needs a lookup and for one that does not (an IP address, a numeric port), so that
// code tried with addresses does not fail only later with names.
func check(ctx context.Context, op, name string) error {
	if ctx == nil {
		return &Error{Op: op, Name: name, Err: scheduler.ErrNilArgument}
	}
	if err := scheduler.CurrentHub().CheckWait(); err != nil {
		return &Error{Op: op, Name: name, Err: err}
	}
	return nil
}

// run runs lookup on the pool with a context derived from ctx that is cancelled as soon as the
// calling greenlet stops waiting, so that the lookup stops with the wait whatever ended it. An
// error of the wait, or a failed lookup whose ctx ended meanwhile, is an *Error for op and name.
// A call that net answers without a lookup (local) still takes a worker's turn, so that the pool
// refuses it as it refuses a lookup; when ctx ends first (or is done already) the wait for the
// worker ends and net's answer, which no ctx changes, is given in the calling greenlet.
func run[T any](ctx context.Context, r *Resolver, op, name string, local bool, lookup func(context.Context, *net.Resolver) (T, error)) (T, error) {
	if err := check(ctx, op, name); err != nil {
		var zero T
		return zero, err
	}
	nr := r.netResolver()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v, err, waitErr := apply(ctx, r, local, func() (T, error) { return lookup(lctx, nr) })
	if !local {
		if err != nil || waitErr != nil {
			// v is the lookup's, as net.Resolver returns it beside its error (the records left
			// once malformed names were filtered out), or zero when the wait failed.
			return v, failure(ctx, op, name, err, waitErr)
		}
		return v, nil
	}
	switch {
	case waitErr != nil && ctxwait.Ended(ctx, waitErr):
		return lookup(lctx, nr)
	case waitErr != nil:
		return v, &Error{Op: op, Name: name, Err: waitErr} // refused, or killed
	}
	return v, err // net's answer, whatever ctx
}

// apply runs fn where r runs its lookups (a pool's worker, a goroutine of its own, or for an
// unpooled resolver's local answer the calling greenlet) and returns fn's result apart from the
// error of the wait for it (a refusal, ctx's end, an error thrown into the greenlet). A panic
// in fn is fn's error, a *scheduler.PanicError, both ways.
func apply[T any](ctx context.Context, r *Resolver, local bool, fn func() (T, error)) (v T, err, waitErr error) {
	if r == nil || !r.unpooled {
		v, err = threadpool.Apply(ctx, r.threadPool(), fn)
		if te, ok := err.(*threadpool.Error); ok {
			return v, nil, te.Err
		}
		return v, err, nil
	}
	if local {
		v, err = fn()
		return v, err, nil
	}
	type outcome struct {
		v   T
		err error
	}
	o, werr := scheduler.RunBlocking(ctx, func() (outcome, error) {
		v, err := fn()
		return outcome{v, err}, nil
	})
	var pe *scheduler.PanicError
	if errors.As(werr, &pe) {
		return o.v, werr, nil
	}
	return o.v, o.err, werr
}

// failure is the error of a lookup of name for op that ended with err, or whose wait ended with
// waitErr: net's error for a context that ended (whether the wait or the lookup saw it first),
// an *Error for the other ends of the wait (a kill, even with a context's error of its own), the
// lookup's own error as it is.
func failure(ctx context.Context, op, name string, err, waitErr error) error {
	cerr := scheduler.ContextError(ctx)
	switch {
	case waitErr != nil && ctxwait.Ended(ctx, waitErr):
		// Without cerr, the hub's timer for ctx's deadline went off before ctx's own.
		return &Error{Op: op, Name: name, Err: contextError(name, ctxwait.Err(cerr, waitErr))}
	case waitErr != nil:
		return &Error{Op: op, Name: name, Err: waitErr}
	case cerr != nil:
		return &Error{Op: op, Name: name, Err: contextError(name, cerr)}
	}
	return err
}

// contextError is net.Resolver's error for a lookup of name that its context ended, wrapping
// cerr (scheduler.ContextError's): the same text and flags, so that code written for net's
// errors finds what it checks. A context a timeout cancelled (a scheduler.Timeout's Context),
// which net cannot meet, counts as timed out, as it does in every package's error.
func contextError(name string, cerr error) *net.DNSError {
	timeout := errors.Is(cerr, context.DeadlineExceeded) || errors.Is(cerr, scheduler.ErrTimeout)
	msg := "operation was canceled"
	if timeout {
		msg = "i/o timeout"
	}
	return &net.DNSError{Err: msg, Name: name, IsTimeout: timeout, IsTemporary: timeout, UnwrapErr: cerr}
}

// isAddr reports whether host is an IP address (or empty), which net answers without a lookup.
func isAddr(host string) bool {
	_, err := netip.ParseAddr(host)
	return host == "" || err == nil
}

// isIPNetwork reports whether network names an IP family with a protocol net knows, the networks
// net.Resolver.LookupIP and LookupNetIP look names up for ("ip4", "ip6:ipv6-icmp", "ip:6", ...);
// for the others ("tcp", "ip4:bogus") they look nothing up and fail at once. net.ResolveIPAddr
// parses the network as they do, and with no address it looks nothing up either.
func isIPNetwork(network string) bool {
	if network == "" { // ResolveIPAddr's "ip"; the lookups' unknown network
		return false
	}
	_, err := net.ResolveIPAddr(network, "")
	return err == nil
}

// needsPortLookup reports whether net.Resolver.LookupPort looks service up: a name for a network
// it knows. A number (one sign allowed, or empty) or an unknown network it answers at once.
func needsPortLookup(network, service string) bool {
	num := service
	if num != "" && (num[0] == '+' || num[0] == '-') {
		num = num[1:]
	}
	if strings.TrimLeft(num, "0123456789") == "" {
		return false
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "ip", "":
		return true
	}
	return false
}

// LookupHost returns the host's addresses as strings (net.Resolver.LookupHost).
func (r *Resolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	return run(ctx, r, "Resolver.LookupHost", host, isAddr(host), func(c context.Context, nr *net.Resolver) ([]string, error) {
		return nr.LookupHost(c, host)
	})
}

// LookupNetIP returns the host's addresses for network "ip", "ip4" or "ip6"
// (net.Resolver.LookupNetIP).
func (r *Resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	local := isAddr(host) || !isIPNetwork(network)
	return run(ctx, r, "Resolver.LookupNetIP", host, local, func(c context.Context, nr *net.Resolver) ([]netip.Addr, error) {
		return nr.LookupNetIP(c, network, host)
	})
}

// LookupAddr returns the names of an address (reverse lookup, gethostbyaddr;
// net.Resolver.LookupAddr).
func (r *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	_, notAddr := netip.ParseAddr(addr)
	return run(ctx, r, "Resolver.LookupAddr", addr, notAddr != nil, func(c context.Context, nr *net.Resolver) ([]string, error) {
		return nr.LookupAddr(c, addr)
	})
}

// LookupPort returns the port of a service name for network "tcp" or "udp"
// (net.Resolver.LookupPort).
func (r *Resolver) LookupPort(ctx context.Context, network, service string) (int, error) {
	return run(ctx, r, "Resolver.LookupPort", service, !needsPortLookup(network, service), func(c context.Context, nr *net.Resolver) (int, error) {
		return nr.LookupPort(c, network, service)
	})
}

// LookupIP returns the host's addresses for network "ip", "ip4" or "ip6" (net.Resolver.LookupIP).
func (r *Resolver) LookupIP(ctx context.Context, network, host string) ([]net.IP, error) {
	local := isAddr(host) || !isIPNetwork(network)
	return run(ctx, r, "Resolver.LookupIP", host, local, func(c context.Context, nr *net.Resolver) ([]net.IP, error) {
		return nr.LookupIP(c, network, host)
	})
}

// LookupIPAddr returns the host's addresses with their zones (net.Resolver.LookupIPAddr).
func (r *Resolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return run(ctx, r, "Resolver.LookupIPAddr", host, isAddr(host), func(c context.Context, nr *net.Resolver) ([]net.IPAddr, error) {
		return nr.LookupIPAddr(c, host)
	})
}

// LookupCNAME returns the host's canonical name (net.Resolver.LookupCNAME; the canonical name
// of gevent's gethostbyname_ex).
func (r *Resolver) LookupCNAME(ctx context.Context, host string) (string, error) {
	return run(ctx, r, "Resolver.LookupCNAME", host, false, func(c context.Context, nr *net.Resolver) (string, error) {
		return nr.LookupCNAME(c, host)
	})
}

// LookupMX returns the name's mail exchangers, by preference (net.Resolver.LookupMX).
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return run(ctx, r, "Resolver.LookupMX", name, false, func(c context.Context, nr *net.Resolver) ([]*net.MX, error) {
		return nr.LookupMX(c, name)
	})
}

// LookupNS returns the name's name servers (net.Resolver.LookupNS).
func (r *Resolver) LookupNS(ctx context.Context, name string) ([]*net.NS, error) {
	return run(ctx, r, "Resolver.LookupNS", name, false, func(c context.Context, nr *net.Resolver) ([]*net.NS, error) {
		return nr.LookupNS(c, name)
	})
}

// LookupTXT returns the name's TXT records (net.Resolver.LookupTXT).
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return run(ctx, r, "Resolver.LookupTXT", name, false, func(c context.Context, nr *net.Resolver) ([]string, error) {
		return nr.LookupTXT(c, name)
	})
}

// srvAnswer is what LookupSRV's lookup gives back through the pool.
type srvAnswer struct {
	cname string
	addrs []*net.SRV
}

// LookupSRV returns the SRV records of _service._proto.name (of name when service and proto are
// empty), sorted by priority and weight, and their canonical name (net.Resolver.LookupSRV).
func (r *Resolver) LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error) {
	a, err := run(ctx, r, "Resolver.LookupSRV", name, false, func(c context.Context, nr *net.Resolver) (srvAnswer, error) {
		cname, addrs, err := nr.LookupSRV(c, service, proto, name)
		return srvAnswer{cname, addrs}, err
	})
	return a.cname, a.addrs, err
}

// GetHostByName returns one IPv4 address of host as a string (socket.gethostbyname); an IPv4
// address is returned as is, without a lookup, but refused as a lookup is (see Waiting).
func (r *Resolver) GetHostByName(ctx context.Context, host string) (string, error) {
	if err := check(ctx, "Resolver.GetHostByName", host); err != nil {
		return "", err
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().Is4() {
		return run(ctx, r, "Resolver.GetHostByName", host, true, func(context.Context, *net.Resolver) (string, error) {
			return ip.Unmap().String(), nil
		})
	}
	ips, err := r.LookupNetIP(ctx, "ip4", host)
	if err != nil {
		return "", relabel("Resolver.GetHostByName", err)
	}
	if len(ips) == 0 {
		return "", noAddress(host)
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
// (socket.getaddrinfo): one entry per address, IPv4 first. A numeric port or host needs no
// lookup, but is refused as a lookup is (see Waiting).
func (r *Resolver) GetAddrInfo(ctx context.Context, network, host, port string) ([]AddrInfo, error) {
	if err := check(ctx, "Resolver.GetAddrInfo", host); err != nil {
		return nil, err
	}
	base, fam, err := splitNetwork(network)
	if err != nil {
		return nil, err
	}
	p, err := r.port(ctx, base, port)
	if err != nil {
		return nil, relabel("Resolver.GetAddrInfo", err)
	}
	var ips []netip.Addr
	if ip, perr := netip.ParseAddr(host); perr == nil {
		ips, err = run(ctx, r, "Resolver.GetAddrInfo", host, true, func(context.Context, *net.Resolver) ([]netip.Addr, error) {
			return []netip.Addr{ip}, nil
		})
	} else {
		ips, err = r.LookupNetIP(ctx, fam, host)
	}
	if err != nil {
		return nil, relabel("Resolver.GetAddrInfo", err)
	}
	out := addrInfos(base, fam, ips, p)
	if len(out) == 0 {
		return nil, noAddress(host)
	}
	return out, nil
}

// relabel names op, the call the caller made, in the *Error of a lookup it made (net's own
// errors name no call and are returned as they are).
func relabel(op string, err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Op: op, Name: e.Name, Err: e.Err}
	}
	return err
}

// noAddress is the error for a host without an address of the wanted family: a *net.DNSError
// naming host that errors.Is matches with ErrNoAddress.
func noAddress(host string) error {
	return &net.DNSError{Err: ErrNoAddress.Error(), UnwrapErr: ErrNoAddress, Name: host, IsNotFound: true}
}

// splitNetwork returns the transport ("tcp" or "udp") and the address family ("ip", "ip4" or
// "ip6") of a GetAddrInfo network.
func splitNetwork(network string) (base, fam string, err error) {
	switch network {
	case "tcp4", "udp4":
		return network[:3], "ip4", nil
	case "tcp6", "udp6":
		return network[:3], "ip6", nil
	case "tcp", "udp":
		return network, "ip", nil
	}
	return "", "", net.UnknownNetworkError(network)
}

// port returns a numeric port, or looks the service name up.
func (r *Resolver) port(ctx context.Context, base, port string) (int, error) {
	p, err := strconv.Atoi(port)
	if err != nil {
		if p, err = r.LookupPort(ctx, base, port); err != nil {
			return 0, err
		}
	}
	if p < 0 || p > 65535 {
		return 0, &net.AddrError{Err: "invalid port", Addr: port}
	}
	return p, nil
}

// addrInfos turns the addresses of family fam into GetAddrInfo's entries, IPv4 first.
func addrInfos(base, fam string, ips []netip.Addr, port int) []AddrInfo {
	var v4, v6 []AddrInfo
	for _, ip := range ips {
		ip = ip.Unmap()
		ap := netip.AddrPortFrom(ip, uint16(port))
		switch {
		case ip.Is4() && fam != "ip6":
			v4 = append(v4, AddrInfo{base + "4", ap})
		case !ip.Is4() && fam != "ip4":
			v6 = append(v6, AddrInfo{base + "6", ap})
		}
	}
	return append(v4, v6...)
}

// LookupHost is Default().LookupHost.
func LookupHost(ctx context.Context, host string) ([]string, error) {
	return Default().LookupHost(ctx, host)
}

// LookupNetIP is Default().LookupNetIP.
func LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return Default().LookupNetIP(ctx, network, host)
}

// LookupAddr is Default().LookupAddr.
func LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return Default().LookupAddr(ctx, addr)
}

// LookupPort is Default().LookupPort.
func LookupPort(ctx context.Context, network, service string) (int, error) {
	return Default().LookupPort(ctx, network, service)
}

// GetHostByName is Default().GetHostByName.
func GetHostByName(ctx context.Context, host string) (string, error) {
	return Default().GetHostByName(ctx, host)
}

// GetAddrInfo is Default().GetAddrInfo.
func GetAddrInfo(ctx context.Context, network, host, port string) ([]AddrInfo, error) {
	return Default().GetAddrInfo(ctx, network, host, port)
}
