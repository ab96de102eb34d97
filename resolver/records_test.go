package resolver_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/resolver"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/threadpool"
)

// recordServer is a net.Resolver whose DNS server answers in memory, over a stream (net.Pipe,
// which the Go resolver frames as TCP): records returns the answers to a question.
func recordServer(records func(q dnsmessage.Question) []dnsmessage.Resource) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			for {
				var n uint16
				if binary.Read(server, binary.BigEndian, &n) != nil {
					return
				}
				query := make([]byte, n)
				if _, err := io.ReadFull(server, query); err != nil {
					return
				}
				resp, err := answer(query, records)
				if err != nil {
					return
				}
				out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
				if _, err := server.Write(append(out, resp...)); err != nil {
					return
				}
			}
		}()
		return client, nil
	}}
}

// answer builds the response to query with records' answers to its question.
func answer(query []byte, records func(q dnsmessage.Question) []dnsmessage.Resource) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	msg := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionAvailable: true},
		Questions: []dnsmessage.Question{q},
		Answers:   records(q),
	}
	return msg.Pack()
}

func rrHeader(q dnsmessage.Question, typ dnsmessage.Type) dnsmessage.ResourceHeader {
	return dnsmessage.ResourceHeader{Name: q.Name, Type: typ, Class: dnsmessage.ClassINET, TTL: 60}
}

// testRecords answers for example.test: MX, NS, TXT, SRV, CNAME (www.example.test), A.
func testRecords(q dnsmessage.Question) []dnsmessage.Resource {
	name := func(s string) dnsmessage.Name { return dnsmessage.MustNewName(s) }
	switch q.Type {
	case dnsmessage.TypeMX:
		if q.Name.String() == "partial.test." {
			return []dnsmessage.Resource{
				{Header: rrHeader(q, q.Type), Body: &dnsmessage.MXResource{Pref: 10, MX: name("bad name!.partial.test.")}},
				{Header: rrHeader(q, q.Type), Body: &dnsmessage.MXResource{Pref: 20, MX: name("good.partial.test.")}},
			}
		}
		return []dnsmessage.Resource{
			{Header: rrHeader(q, q.Type), Body: &dnsmessage.MXResource{Pref: 20, MX: name("mx2.example.test.")}},
			{Header: rrHeader(q, q.Type), Body: &dnsmessage.MXResource{Pref: 10, MX: name("mx1.example.test.")}},
		}
	case dnsmessage.TypeNS:
		return []dnsmessage.Resource{{Header: rrHeader(q, q.Type), Body: &dnsmessage.NSResource{NS: name("ns.example.test.")}}}
	case dnsmessage.TypeTXT:
		return []dnsmessage.Resource{{Header: rrHeader(q, q.Type), Body: &dnsmessage.TXTResource{TXT: []string{"v=geventgo"}}}}
	case dnsmessage.TypeSRV:
		return []dnsmessage.Resource{{Header: rrHeader(q, q.Type), Body: &dnsmessage.SRVResource{Priority: 1, Weight: 5, Port: 8080, Target: name("app.example.test.")}}}
	case dnsmessage.TypeA:
		if q.Name.String() == "www.example.test." {
			cname := rrHeader(q, dnsmessage.TypeCNAME)
			a := rrHeader(q, dnsmessage.TypeA)
			a.Name = name("web.example.test.")
			return []dnsmessage.Resource{
				{Header: cname, Body: &dnsmessage.CNAMEResource{CNAME: name("web.example.test.")}},
				{Header: a, Body: &dnsmessage.AResource{A: [4]byte{192, 0, 2, 7}}},
			}
		}
		return []dnsmessage.Resource{{Header: rrHeader(q, q.Type), Body: &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}}}}
	}
	return nil
}

// TestRecordLookups: the record lookups run net.Resolver's on the pool and give its answers:
// MX sorted by preference, NS, TXT, SRV, a CNAME, and addresses as net.IP and net.IPAddr.
func TestRecordLookups(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		ctx := testctx.Within(t, 10*time.Second)
		pool, err := threadpool.New(2)
		require.NoError(t, err)
		defer pool.Close()
		r := resolver.New(pool, recordServer(testRecords))

		mx, err := r.LookupMX(ctx, "example.test")
		require.NoError(t, err)
		require.Len(t, mx, 2)
		assert.Equal(t, "mx1.example.test.", mx[0].Host)
		assert.Equal(t, uint16(10), mx[0].Pref)

		// A record with a malformed name: net.Resolver filters it out and returns the others
		// beside its error, and so does the lookup here.
		mx, err = r.LookupMX(ctx, "partial.test")
		var de *net.DNSError
		require.ErrorAs(t, err, &de)
		require.Len(t, mx, 1, "the records left beside the error")
		assert.Equal(t, "good.partial.test.", mx[0].Host)

		ns, err := r.LookupNS(ctx, "example.test")
		require.NoError(t, err)
		require.Len(t, ns, 1)
		assert.Equal(t, "ns.example.test.", ns[0].Host)

		txt, err := r.LookupTXT(ctx, "example.test")
		require.NoError(t, err)
		assert.Equal(t, []string{"v=geventgo"}, txt)

		cname, srv, err := r.LookupSRV(ctx, "http", "tcp", "example.test")
		require.NoError(t, err)
		assert.Equal(t, "_http._tcp.example.test.", cname)
		require.Len(t, srv, 1)
		assert.Equal(t, uint16(8080), srv[0].Port)
		assert.Equal(t, "app.example.test.", srv[0].Target)

		c, err := r.LookupCNAME(ctx, "www.example.test")
		require.NoError(t, err)
		assert.Equal(t, "web.example.test.", c)

		ips, err := r.LookupIP(ctx, "ip4", "example.test")
		require.NoError(t, err)
		require.Len(t, ips, 1)
		assert.Equal(t, "192.0.2.1", ips[0].String())

		addrs, err := r.LookupIPAddr(ctx, "10.9.8.7")
		require.NoError(t, err, "an address needs no lookup")
		assert.Equal(t, []net.IPAddr{{IP: net.ParseIP("10.9.8.7")}}, addrs)
		return nil
	}))
}

// TestRecordLookupsRefusedAndEnded: from a plain goroutine the record lookups are refused with
// scheduler.ErrNotGreenlet, and a lookup whose deadline passes while the server never answers
// ends with net's timeout shape, matching scheduler.ErrTimeout.
func TestRecordLookupsRefusedAndEnded(t *testing.T) {
	var r resolver.Resolver
	_, err := r.LookupMX(bg, "example.test")
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	_, _, err = r.LookupSRV(bg, "", "", "example.test")
	assert.ErrorIs(t, err, scheduler.ErrNotGreenlet)
	assert.ErrorContains(t, err, "Resolver.LookupSRV")
	require.NoError(t, scheduler.Main(func() error {
		stuck := newFakeDNS(true)
		r := resolver.New(nil, stuck.resolver())
		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		defer cancel()
		_, err := r.LookupTXT(ctx, unknownName)
		assert.ErrorIs(t, err, scheduler.ErrTimeout)
		var de *net.DNSError
		require.ErrorAs(t, err, &de)
		assert.True(t, de.IsTimeout)
		return nil
	}))
}
