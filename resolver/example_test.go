package resolver_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// The lookups run on the hub's thread pool; only the asking greenlet waits.
// "localhost" comes from /etc/hosts, so this needs no network.
func Example() {
	err := scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hosts, err := resolver.LookupHost(ctx, "localhost")
		if err != nil {
			return err
		}
		fmt.Println("127.0.0.1 among localhost's addresses:", slices.Contains(hosts, "127.0.0.1"))

		ip, err := resolver.GetHostByName(ctx, "localhost") // one IPv4 address
		if err != nil {
			return err
		}
		fmt.Println("gethostbyname:", ip)

		ai, err := resolver.GetAddrInfo(ctx, "tcp4", "localhost", "80")
		if err != nil {
			return err
		}
		fmt.Println("getaddrinfo:", ai[0].Network, ai[0].Addr)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 127.0.0.1 among localhost's addresses: true
	// gethostbyname: 127.0.0.1
	// getaddrinfo: tcp4 127.0.0.1:80
}

// A Resolver of one's own: a chosen net.Resolver on a dedicated thread pool,
// here shared by greenlets that resolve at the same time.
func ExampleNew() {
	err := scheduler.Main(func() error {
		ctx := context.Background()
		pool, err := threadpool.New(2)
		if err != nil {
			return err
		}
		r := resolver.New(pool, &net.Resolver{PreferGo: true})

		var jobs []*scheduler.Greenlet[[]netip.Addr]
		for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
			jobs = append(jobs, scheduler.Spawn(func() ([]netip.Addr, error) {
				return r.LookupNetIP(ctx, "ip", host)
			}))
		}
		if _, err := scheduler.JoinAll(ctx, jobs); err != nil {
			return err
		}
		for _, j := range jobs {
			addrs := j.Value()
			loopback := len(addrs) > 0
			for _, a := range addrs {
				loopback = loopback && a.IsLoopback()
			}
			fmt.Println("all loopback:", loopback)
		}

		port, err := r.LookupPort(ctx, "tcp", "http")
		if err != nil {
			return err
		}
		fmt.Println("http port:", port)
		return pool.Close()
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// all loopback: true
	// all loopback: true
	// all loopback: true
	// http port: 80
}

// NewUnpooled runs each lookup on a goroutine of its own: with package net's own DNS client
// (PreferGo) no thread waits for the DNS server, and any number of lookups run at once.
func ExampleNewUnpooled() {
	r := resolver.NewUnpooled(&net.Resolver{PreferGo: true})
	err := scheduler.Main(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ip, err := r.GetHostByName(ctx, "localhost") // from /etc/hosts: no network
		if err != nil {
			return err
		}
		fmt.Println("gethostbyname:", ip)
		return nil
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// gethostbyname: 127.0.0.1
}
