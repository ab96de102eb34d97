package resolver_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var bg = context.Background()

func TestLookups(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		ip, err := resolver.GetHostByName(ctx, "localhost")
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1", ip)
		ip, err = resolver.GetHostByName(ctx, "10.1.2.3")
		require.NoError(t, err)
		assert.Equal(t, "10.1.2.3", ip)
		hosts, err := resolver.LookupHost(ctx, "localhost")
		require.NoError(t, err)
		assert.Contains(t, hosts, "127.0.0.1")
		port, err := resolver.LookupPort(ctx, "tcp", "http")
		require.NoError(t, err)
		assert.Equal(t, 80, port)
		names, err := resolver.LookupAddr(ctx, "127.0.0.1")
		require.NoError(t, err)
		assert.Contains(t, names, "localhost")
		ai, err := resolver.GetAddrInfo(ctx, "tcp4", "localhost", "http")
		require.NoError(t, err)
		require.NotEmpty(t, ai)
		assert.Equal(t, "tcp4", ai[0].Network)
		assert.Equal(t, "127.0.0.1:80", ai[0].Addr.String())
		ai, err = resolver.GetAddrInfo(ctx, "udp", "::1", "53")
		require.NoError(t, err)
		require.Len(t, ai, 1)
		assert.Equal(t, "udp6", ai[0].Network)
		_, err = resolver.GetAddrInfo(ctx, "sctp", "localhost", "80")
		var une net.UnknownNetworkError
		assert.ErrorAs(t, err, &une)
		_, err = resolver.GetAddrInfo(ctx, "tcp", "localhost", "99999")
		var ae *net.AddrError
		assert.ErrorAs(t, err, &ae)
		_, err = resolver.GetAddrInfo(ctx, "tcp6", "10.1.2.3", "80")
		var de *net.DNSError
		require.ErrorAs(t, err, &de)
		assert.Contains(t, de.Err, resolver.ErrNoAddress.Error())
		_, err = resolver.LookupHost(ctx, "no-such-host..invalid")
		assert.ErrorAs(t, err, &de)
		return nil
	}))
}

func TestConcurrentLookupsDoNotBlockHub(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		var gs []*scheduler.Greenlet[string]
		for range 5 {
			gs = append(gs, scheduler.Spawn(func() (string, error) { return resolver.GetHostByName(ctx, "localhost") }))
		}
		done, err := scheduler.JoinAll(ctx, gs)
		require.NoError(t, err)
		assert.Len(t, done, 5)
		for _, g := range gs {
			assert.Equal(t, "127.0.0.1", g.Value())
		}
		return nil
	}))
}

// TestZeroAndNilResolver: a zero Resolver and a nil *Resolver run
// net.DefaultResolver on the hub's default pool, as resolver.New(nil, nil)
// does.
func TestZeroAndNilResolver(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		var zero resolver.Resolver
		var nilR *resolver.Resolver
		for name, r := range map[string]*resolver.Resolver{"zero": &zero, "nil": nilR, "New(nil, nil)": resolver.New(nil, nil)} {
			hosts, err := r.LookupHost(ctx, "localhost")
			require.NoError(t, err, name)
			assert.Contains(t, hosts, "127.0.0.1", name)
			ip, err := r.GetHostByName(ctx, "localhost")
			require.NoError(t, err, name)
			assert.Equal(t, "127.0.0.1", ip, name)
		}
		return nil
	}))
}

// TestRefused: from a goroutine that is not a greenlet, every call, even one
// that needs no lookup, fails with ErrNotGreenlet and creates no hub; a nil
// context is ErrNilArgument; a closed pool's lookups fail with ErrClosed.
func TestRefused(t *testing.T) {
	calls := map[string]func(ctx context.Context) error{
		"LookupHost": func(ctx context.Context) error { _, err := resolver.LookupHost(ctx, "localhost"); return err },
		"LookupNetIP": func(ctx context.Context) error {
			_, err := resolver.LookupNetIP(ctx, "ip", "localhost")
			return err
		},
		"LookupAddr": func(ctx context.Context) error { _, err := resolver.LookupAddr(ctx, "127.0.0.1"); return err },
		"LookupPort": func(ctx context.Context) error { _, err := resolver.LookupPort(ctx, "tcp", "http"); return err },
		"GetHostByName": func(ctx context.Context) error {
			_, err := resolver.GetHostByName(ctx, "localhost")
			return err
		},
		"GetHostByName of an address": func(ctx context.Context) error {
			_, err := resolver.GetHostByName(ctx, "10.1.2.3")
			return err
		},
		"GetAddrInfo": func(ctx context.Context) error {
			_, err := resolver.GetAddrInfo(ctx, "tcp", "localhost", "http")
			return err
		},
		"GetAddrInfo of an address": func(ctx context.Context) error {
			_, err := resolver.GetAddrInfo(ctx, "tcp", "10.1.2.3", "80")
			return err
		},
	}
	errs := map[string]error{}
	hubCreated := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		for name, call := range calls {
			errs[name] = call(bg)
		}
		hubCreated = scheduler.CurrentHub() != nil
	}()
	<-done
	require.Len(t, errs, len(calls))
	for name, err := range errs {
		assert.ErrorIs(t, err, scheduler.ErrNotGreenlet, name)
		var re *resolver.Error
		assert.ErrorAs(t, err, &re, name)
	}
	assert.False(t, hubCreated, "a refused lookup created a hub")

	require.NoError(t, scheduler.Main(func() error {
		for name, call := range calls {
			assert.ErrorIs(t, call(nil), scheduler.ErrNilArgument, name)
		}
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		require.NoError(t, pool.Close())
		_, err = resolver.New(pool, nil).LookupHost(bg, "localhost")
		assert.ErrorIs(t, err, threadpool.ErrClosed)
		assert.ErrorIs(t, err, scheduler.ErrClosed)
		assert.EqualError(t, err, "resolver: Resolver.LookupHost localhost: threadpool closed")
		return nil
	}))
}

// fakeDNS is a net.Resolver whose DNS server is never reached: its Dial
// records the lookup's context and then fails at once, or, when stuck,
// blocks until that context is done.
type fakeDNS struct {
	stuck bool
	mu    sync.Mutex
	ctxs  []context.Context
	dials chan struct{} // one send per dial
}

func newFakeDNS(stuck bool) *fakeDNS { return &fakeDNS{stuck: stuck, dials: make(chan struct{}, 100)} }

func (s *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		s.mu.Lock()
		s.ctxs = append(s.ctxs, ctx)
		s.mu.Unlock()
		s.dials <- struct{}{}
		if !s.stuck {
			return nil, errors.New("fake DNS: no server")
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}}
}

func (s *fakeDNS) first() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctxs[0]
}

// A name that is in no hosts file, so that the lookup asks the DNS server.
const unknownName = "geventgo-resolver-test.invalid"

// TestDeadlineReachesLookup: the caller's deadline is the deadline of the
// lookup running on the pool (the context its DNS dial gets), and a lookup
// that outlives it returns the one timeout error.
func TestDeadlineReachesLookup(t *testing.T) {
	failing, stuck := newFakeDNS(false), newFakeDNS(true)
	require.NoError(t, scheduler.Main(func() error {
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		ctx := testctx.Within(t, 10*time.Second)
		want, _ := ctx.Deadline()
		_, err = resolver.New(pool, failing.resolver()).LookupHost(ctx, unknownName)
		var de *net.DNSError
		require.ErrorAs(t, err, &de, "the resolver's own failure comes back as net's error")
		require.NotEmpty(t, failing.dials, "the lookup never asked the DNS server")
		got, ok := failing.first().Deadline()
		require.True(t, ok, "the lookup's context has no deadline")
		assert.False(t, got.After(want), "the lookup's deadline %v is later than the caller's %v", got, want)

		_, err = resolver.New(pool, stuck.resolver()).LookupHost(testctx.Within(t, 50*time.Millisecond), unknownName)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var re *resolver.Error
		require.ErrorAs(t, err, &re)
		assert.Equal(t, "Resolver.LookupHost", re.Op)
		assert.Equal(t, unknownName, re.Name)
		return pool.Close()
	}))
}

// TestKillStopsLookup: a lookup whose greenlet is killed is cancelled on the
// pool at once (its context is cancelled, not left to the resolver's own
// timeout), although the caller's context has no end.
func TestKillStopsLookup(t *testing.T) {
	dns := newFakeDNS(true)
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		r := resolver.New(pool, dns.resolver())
		g := scheduler.Spawn(func() ([]string, error) { return r.LookupHost(bg, unknownName) })
		_, err = scheduler.RunBlocking(ctx, func() (struct{}, error) {
			select {
			case <-dns.dials:
				return struct{}{}, nil
			case <-ctx.Done():
				return struct{}{}, errors.New("the lookup never asked the DNS server")
			}
		})
		require.NoError(t, err)
		require.NoError(t, g.Kill(ctx, nil))
		assert.ErrorIs(t, g.ExitErr(), scheduler.ErrGreenletExit)
		// The lookup's context is cancelled by the time the killed greenlet is
		// dead: not later, by the resolver's own timeout.
		assert.ErrorIs(t, dns.first().Err(), context.Canceled)
		return pool.Close()
	}))
}

// TestNoAddressMatchesErrNoAddress: a name or address without an address of
// the wanted family fails with a *net.DNSError that errors.Is matches with
// ErrNoAddress, as its doc promises, and that names the host.
func TestNoAddressMatchesErrNoAddress(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		for _, c := range []struct{ network, host string }{{"tcp6", "10.1.2.3"}, {"udp4", "::1"}} {
			_, err := resolver.GetAddrInfo(ctx, c.network, c.host, "80")
			require.ErrorIs(t, err, resolver.ErrNoAddress, c)
			var de *net.DNSError
			require.ErrorAs(t, err, &de, c)
			assert.Equal(t, c.host, de.Name, c)
			assert.True(t, de.IsNotFound, c)
		}
		return nil
	}))
}

// lookuper is what *net.Resolver and *resolver.Resolver have in common.
type lookuper interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupIP(ctx context.Context, network, host string) ([]net.IP, error)
	LookupPort(ctx context.Context, network, service string) (int, error)
}

// TestNoLookupAnswersAsNet: what net.Resolver answers without a lookup (an empty host, an IP
// address, a numeric or invalid port, an unknown network, no address to look up) the resolver
// answers the same, values and errors, even with a context already done, as net.Resolver does
// whatever its context: code swapping net.DefaultResolver for it sees no difference.
func TestNoLookupAnswersAsNet(t *testing.T) {
	calls := map[string]func(context.Context, lookuper) (any, error){}
	for _, host := range []string{"", "127.0.0.1", "::1", "fe80::1%lo", "::ffff:10.1.2.3"} {
		calls["LookupHost "+host] = func(ctx context.Context, r lookuper) (any, error) { return r.LookupHost(ctx, host) }
		for _, network := range []string{"ip", "ip4", "ip6", "tcp"} {
			calls["LookupNetIP "+network+" "+host] = func(ctx context.Context, r lookuper) (any, error) {
				return r.LookupNetIP(ctx, network, host)
			}
		}
	}
	for _, addr := range []string{"", "not-an-address", "fe80::1%"} {
		calls["LookupAddr "+addr] = func(ctx context.Context, r lookuper) (any, error) { return r.LookupAddr(ctx, addr) }
	}
	// An unknown network, or an IP protocol net does not know: no lookup.
	for _, network := range []string{"tcp", "", "sctp", "ip4:bogus", "ip6:", "ip:999999999", "ipx:icmp"} {
		calls["LookupNetIP "+network+" localhost"] = func(ctx context.Context, r lookuper) (any, error) {
			return r.LookupNetIP(ctx, network, "localhost")
		}
		calls["LookupIP "+network+" localhost"] = func(ctx context.Context, r lookuper) (any, error) {
			return r.LookupIP(ctx, network, "localhost")
		}
		for _, port := range []string{"80", "+8080", "-1", "+-1", "+", "99999", "", "http"} {
			calls["LookupPort "+network+" "+port] = func(ctx context.Context, r lookuper) (any, error) {
				return r.LookupPort(ctx, network, port)
			}
		}
	}
	for _, lookup := range []string{"LookupPort tcp http", "LookupPort tcp +-1", "LookupPort  http", "LookupPort  +-1"} {
		delete(calls, lookup)
	}
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	expired, cancelExpired := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancelExpired()
	nr := newFakeDNS(false).resolver()
	require.NoError(t, scheduler.Main(func() error {
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		defer pool.Close()
		r := resolver.New(pool, nr)
		for name, call := range calls {
			for ctxName, ctx := range map[string]context.Context{"cancelled": cancelled, "expired": expired} {
				want, wantErr := call(ctx, nr)
				got, err := call(ctx, r)
				assert.Equal(t, want, got, "%s, %s context", name, ctxName)
				assert.Equal(t, wantErr, err, "%s, %s context", name, ctxName)
			}
		}
		return nil
	}))
}

// TestContextEndIsNetsShape: a lookup that ends with its context fails as net.Resolver's does, a
// *net.DNSError naming the host (IsTimeout and IsTemporary for a deadline, "i/o timeout" or
// "operation was canceled"), in an *Error naming the call, matching scheduler.ErrTimeout and
// context.DeadlineExceeded, or context.Canceled.
func TestContextEndIsNetsShape(t *testing.T) {
	// Each lookup has a net.Resolver of its own: one shares a lookup still under way with another
	// of the same name on the same net.Resolver, which then goes on until net's own timeout.
	stuck := func() *net.Resolver { return newFakeDNS(true).resolver() }
	require.NoError(t, scheduler.Main(func() error {
		pool, err := threadpool.New(2)
		require.NoError(t, err)
		defer pool.Close()
		cancelled, cancel := context.WithCancel(bg)
		cancel()
		for _, c := range []struct {
			name    string
			ctx     func() context.Context
			want    error
			timeout bool
		}{
			{"deadline", func() context.Context { return testctx.Within(t, 20*time.Millisecond) }, scheduler.ErrTimeout, true},
			{"expired", func() context.Context { return testctx.Within(t, -time.Second) }, context.DeadlineExceeded, true},
			{"cancelled", func() context.Context { return cancelled }, context.Canceled, false},
		} {
			_, netErr := stuck().LookupNetIP(c.ctx(), "ip", unknownName)
			var want *net.DNSError
			require.ErrorAs(t, netErr, &want, c.name)
			for op, call := range map[string]func(context.Context) error{
				"Resolver.LookupHost": func(ctx context.Context) error {
					_, err := resolver.New(pool, stuck()).LookupHost(ctx, unknownName)
					return err
				},
				"Resolver.LookupNetIP": func(ctx context.Context) error {
					_, err := resolver.New(pool, stuck()).LookupNetIP(ctx, "ip", unknownName)
					return err
				},
			} {
				err, msg := call(c.ctx()), op+", "+c.name
				assert.ErrorIs(t, err, c.want, msg)
				var re *resolver.Error
				require.ErrorAs(t, err, &re, msg)
				assert.Equal(t, op, re.Op, c.name)
				var de *net.DNSError
				require.ErrorAs(t, err, &de, msg)
				assert.Equal(t, *want, net.DNSError{Err: de.Err, Name: de.Name, Server: de.Server, IsTimeout: de.IsTimeout,
					IsTemporary: de.IsTemporary, IsNotFound: de.IsNotFound, UnwrapErr: want.UnwrapErr}, msg)
				ne, ok := err.(net.Error) // as code written for package net asserts it
				require.True(t, ok, "%s: %T is a net.Error", msg, err)
				assert.Equal(t, c.timeout, ne.Timeout(), msg)
			}
		}
		return nil
	}))
}

// TestComposedCallsNameThemselves: GetHostByName and GetAddrInfo, which look up through
// LookupNetIP and LookupPort, name themselves in the errors of those lookups, not the lookup
// they made, with the name that was looked up.
func TestComposedCallsNameThemselves(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		pool, err := threadpool.New(1)
		require.NoError(t, err)
		require.NoError(t, pool.Close())
		r := resolver.New(pool, newFakeDNS(false).resolver())
		cancelled, cancel := context.WithCancel(bg)
		cancel()
		for _, c := range []struct {
			op, name string
			want     error
			call     func() error
		}{
			{"Resolver.GetHostByName", "localhost", threadpool.ErrClosed, func() error {
				_, err := r.GetHostByName(bg, "localhost")
				return err
			}},
			{"Resolver.GetAddrInfo", "localhost", threadpool.ErrClosed, func() error {
				_, err := r.GetAddrInfo(bg, "tcp", "localhost", "80")
				return err
			}},
			{"Resolver.GetAddrInfo", "http", threadpool.ErrClosed, func() error {
				_, err := r.GetAddrInfo(bg, "tcp", "127.0.0.1", "http")
				return err
			}},
			{"Resolver.GetAddrInfo", "localhost", context.Canceled, func() error {
				_, err := resolver.GetAddrInfo(cancelled, "tcp", "localhost", "80")
				return err
			}},
		} {
			err := c.call()
			assert.ErrorIs(t, err, c.want, c.op)
			var re *resolver.Error
			require.ErrorAs(t, err, &re, c.op)
			assert.Equal(t, c.op, re.Op)
			assert.Equal(t, c.name, re.Name, c.op)
		}
		return nil
	}))
}

// TestNoLookupRefusedAsALookup: a call that needs no lookup is refused where a lookup would be,
// so that code tried with addresses does not fail only later with names: by a closed pool
// (ErrClosed), and from a greenlet of another hub than its pool's (ErrNotGreenlet). That holds
// for GetHostByName of an IPv4 address and GetAddrInfo of an address and a numeric port too,
// which answered without the pool.
func TestNoLookupRefusedAsALookup(t *testing.T) {
	pool, err := threadpool.New(1)
	require.NoError(t, err)
	r := resolver.New(pool, newFakeDNS(false).resolver())
	calls := map[string]func() error{
		"LookupHost": func() error { _, err := r.LookupHost(bg, "127.0.0.1"); return err },
		"LookupPort": func() error { _, err := r.LookupPort(bg, "tcp", "80"); return err },
		"GetHostByName": func() error {
			_, err := r.GetHostByName(bg, "127.0.0.1")
			return err
		},
		"GetAddrInfo": func() error { _, err := r.GetAddrInfo(bg, "tcp", "127.0.0.1", "80"); return err },
	}
	bound, done := make(chan struct{}), make(chan struct{})
	otherHub := map[string]error{}
	go func() {
		defer close(done)
		<-bound
		assert.NoError(t, scheduler.Main(func() error {
			for name, call := range calls {
				otherHub[name] = call()
			}
			return nil
		}))
	}()
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		_, err := r.LookupHost(ctx, "127.0.0.1") // binds the pool to this hub
		require.NoError(t, err)
		close(bound)
		_, err = scheduler.RunBlocking(ctx, func() (struct{}, error) { <-done; return struct{}{}, nil })
		require.NoError(t, err)
		require.NoError(t, pool.Close())
		for name, call := range calls {
			err := call()
			assert.ErrorIs(t, err, threadpool.ErrClosed, "%s on a closed pool", name)
			var re *resolver.Error
			if assert.ErrorAs(t, err, &re, name) {
				assert.Equal(t, "Resolver."+name, re.Op)
			}
		}
		return nil
	}))
	for name := range calls {
		assert.ErrorIs(t, otherHub[name], scheduler.ErrNotGreenlet, "%s from a greenlet of another hub", name)
	}
}

// Regression: an error whose cause is a *net.DNSError for the host named the host twice
// ("resolver: Resolver.LookupHost localhost: lookup localhost: operation was canceled"); the
// DNSError's own "lookup localhost" names it once now. Another cause keeps the name (above).
func TestErrorNamesTheHostOnce(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx, cancel := context.WithCancel(bg)
		cancel()
		_, err := resolver.LookupHost(ctx, "localhost")
		require.Error(t, err)
		var de *net.DNSError
		require.ErrorAs(t, err, &de, "%v", err)
		assert.Equal(t, 1, strings.Count(err.Error(), "localhost"), "%v", err)
		assert.True(t, strings.HasPrefix(err.Error(), "resolver: Resolver.LookupHost: lookup localhost"), "%v", err)
		return nil
	}))
}
