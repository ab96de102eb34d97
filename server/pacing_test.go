package server_test

import (
	"net"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/internal/testctx"
	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/server"
	"github.com/geventgo/geventgo/socket"
)

// rawUnix opens n unix sockets of sotype with plain system calls, which never switch to the hub,
// and closes them at the test's end.
func rawUnix(t *testing.T, sotype, n int) []int {
	fds := make([]int, n)
	for i := range fds {
		fd, err := syscall.Socket(syscall.AF_UNIX, sotype|syscall.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		fds[i] = fd
		t.Cleanup(func() { _ = syscall.Close(fd) })
	}
	return fds
}

// connectPending leaves n connections to the unix listener at path pending in its backlog:
// connect(2) on a unix socket queues the connection at once, without the listener's help.
func connectPending(t *testing.T, path string, n int) {
	for _, fd := range rawUnix(t, syscall.SOCK_STREAM, n) {
		require.NoError(t, syscall.Connect(fd, &syscall.SockaddrUnix{Name: path}))
	}
}

// acceptsSeen serves the unix listener at path with opts, with n connections pending before the
// accept loop starts, and returns how many connections had been accepted when each handler
// started, in the order the handlers started.
func acceptsSeen(t *testing.T, opts server.Options, n int) []int {
	path := t.TempDir() + "/s.sock"
	var seen []int
	require.NoError(t, scheduler.Main(func() error {
		accepted := 0
		server.CountAccepts(t, &accepted)
		s, err := server.Listen("unix", path, func(*socket.Conn) error {
			seen = append(seen, accepted)
			return nil
		}, opts)
		require.NoError(t, err)
		connectPending(t, path, n)
		require.NoError(t, s.Start())
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return len(seen) == n }))
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
	return seen
}

// TestMaxAcceptYields: with many connections pending, the accept loop takes MaxAccept of them in
// a row, then yields so that their handlers start before it takes more (gevent's max_accept);
// the last ones start when the loop waits on the empty listener. Before Options.MaxAccept the
// loop took all ten before any handler started.
func TestMaxAcceptYields(t *testing.T) {
	seen := acceptsSeen(t, server.Options{MaxAccept: 3}, 10)
	assert.Equal(t, []int{3, 3, 3, 6, 6, 6, 9, 9, 9, 10}, seen)
	seen = acceptsSeen(t, server.Options{MaxAccept: 1}, 3)
	assert.Equal(t, []int{1, 2, 3}, seen, "MaxAccept 1: each handler starts before the next accept")
}

// TestMaxAcceptDefault: the zero Options take gevent's max_accept, 100.
func TestMaxAcceptDefault(t *testing.T) {
	seen := acceptsSeen(t, server.Options{}, server.DefaultMaxAccept+1)
	want := slices.Repeat([]int{server.DefaultMaxAccept}, server.DefaultMaxAccept)
	assert.Equal(t, append(want, server.DefaultMaxAccept+1), seen)
}

// TestMaxAcceptCountsFromTheLastWait: the accepts in a row start over once the loop waited on
// the listener (its handlers ran then): two connections taken before a wait and two after it
// are not three in a row.
func TestMaxAcceptCountsFromTheLastWait(t *testing.T) {
	path := t.TempDir() + "/s.sock"
	require.NoError(t, scheduler.Main(func() error {
		accepted := 0
		server.CountAccepts(t, &accepted)
		var seen []int
		s, err := server.Listen("unix", path, func(*socket.Conn) error {
			seen = append(seen, accepted)
			return nil
		}, server.Options{MaxAccept: 3})
		require.NoError(t, err)
		connectPending(t, path, 2)
		require.NoError(t, s.Start())
		within := testctx.Within(t, 5*time.Second)
		require.NoError(t, eventually(within, func() bool { return len(seen) == 2 }))
		connectPending(t, path, 2)
		require.NoError(t, eventually(within, func() bool { return len(seen) == 4 }))
		assert.Equal(t, []int{2, 2, 4, 4}, seen)
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
}

// TestMaxAcceptDatagrams: the read loop of a DatagramServer takes at most MaxAccept datagrams in
// a row before their handlers start, as gevent's BaseServer reads them.
func TestMaxAcceptDatagrams(t *testing.T) {
	path := t.TempDir() + "/d.sock"
	require.NoError(t, scheduler.Main(func() error {
		read := 0
		server.CountReads(t, &read)
		var seen []int
		s, err := server.ListenPacket("unixgram", path, func(*server.DatagramServer, []byte, net.Addr) error {
			seen = append(seen, read)
			return nil
		}, server.Options{MaxAccept: 4})
		require.NoError(t, err)
		fd := rawUnix(t, syscall.SOCK_DGRAM, 1)[0]
		for range 10 {
			require.NoError(t, syscall.Sendto(fd, []byte("x"), 0, &syscall.SockaddrUnix{Name: path}))
		}
		require.NoError(t, s.Start())
		require.NoError(t, eventually(testctx.Within(t, 5*time.Second), func() bool { return len(seen) == 10 }))
		assert.Equal(t, []int{4, 4, 4, 4, 8, 8, 8, 8, 10, 10}, seen)
		return s.Shutdown(testctx.Within(t, 5*time.Second))
	}))
}

// TestPacingOptions: a negative MaxAccept, MinDelay, MaxDelay or StopTimeout, or a MinDelay
// longer than MaxDelay, is ErrBadOptions naming the field, from every constructor under its own
// name (Listen closes its socket); the zero fields take gevent's defaults, a zero delay never crossing the other one.
func TestPacingOptions(t *testing.T) {
	require.NoError(t, scheduler.Main(func() error {
		bad := map[string]server.Options{
			"MaxAccept -1 is negative":               {MaxAccept: -1},
			"MinDelay -1ns is negative":              {MinDelay: -1},
			"MaxDelay -1ms is negative":              {MaxDelay: -ms},
			"MinDelay 2s is longer than MaxDelay 1s": {MinDelay: 2 * time.Second, MaxDelay: time.Second},
			"StopTimeout -1s is negative":            {StopTimeout: -time.Second},
		}
		handle := func(*server.DatagramServer, []byte, net.Addr) error { return nil }
		for why, opts := range bad {
			ln, err := socket.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			_, err = server.NewStream(ln, echo, opts)
			assert.ErrorIs(t, err, server.ErrBadOptions, why)
			assert.ErrorContains(t, err, "server: NewStream: invalid server options: "+why)
			require.NoError(t, ln.Close())

			pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
			require.NoError(t, err)
			_, err = server.NewDatagram(pc, handle, opts)
			assert.ErrorIs(t, err, server.ErrBadOptions, why)
			assert.ErrorContains(t, err, "server: NewDatagram: invalid server options: "+why)
			require.NoError(t, pc.Close())

			_, err = server.Listen("tcp", "127.0.0.1:0", echo, opts)
			assert.ErrorIs(t, err, server.ErrBadOptions, why)
			assert.ErrorContains(t, err, "server: Listen: invalid server options: "+why)
			_, err = server.ListenPacket("udp", "127.0.0.1:0", handle, opts)
			assert.ErrorIs(t, err, server.ErrBadOptions, why)
			assert.ErrorContains(t, err, "server: ListenPacket: invalid server options: "+why)
		}

		type pacing struct {
			maxAccept          int
			minDelay, maxDelay time.Duration
		}
		for _, c := range []struct {
			opts server.Options
			want pacing
		}{
			{server.Options{}, pacing{server.DefaultMaxAccept, server.DefaultMinDelay, server.DefaultMaxDelay}},
			{server.Options{MaxAccept: 7}, pacing{7, server.DefaultMinDelay, server.DefaultMaxDelay}},
			{server.Options{MinDelay: ms}, pacing{server.DefaultMaxAccept, ms, server.DefaultMaxDelay}},
			{server.Options{MaxDelay: 5 * ms}, pacing{server.DefaultMaxAccept, 5 * ms, 5 * ms}},
			{server.Options{MinDelay: 2 * time.Second}, pacing{server.DefaultMaxAccept, 2 * time.Second, 2 * time.Second}},
			{server.Options{MinDelay: ms, MaxDelay: ms}, pacing{server.DefaultMaxAccept, ms, ms}},
		} {
			s, err := server.Listen("tcp", "127.0.0.1:0", echo, c.opts)
			require.NoError(t, err)
			var got pacing
			got.maxAccept, got.minDelay, got.maxDelay = s.Pacing()
			assert.Equal(t, c.want, got, "%+v", c.opts)
			require.NoError(t, s.Close())
		}
		return nil
	}))
}

// TestBackOffBounds: the back-off starts at MinDelay and doubles up to MaxDelay, not past it, also
// when MinDelay equals MaxDelay, and each error is reported.
func TestBackOffBounds(t *testing.T) {
	for name, opts := range map[string]server.Options{
		"doubling": {MinDelay: ms, MaxDelay: 2 * ms},
		"equal":    {MinDelay: ms, MaxDelay: ms},
	} {
		t.Run(name, func(t *testing.T) {
			var slept []time.Duration
			server.FailAccepts(t, 4, acceptErr(syscall.EPERM))
			require.NoError(t, scheduler.Main(func() error {
				var reported []error
				collectErrors(&reported)
				s, err := server.Listen("tcp", "127.0.0.1:0", echo, opts)
				require.NoError(t, err)
				server.RecordBackOffs(t, s, &slept)
				require.NoError(t, s.Start())
				b, err := echoByte(s.Addr(), 'x')
				require.NoError(t, err)
				assert.Equal(t, byte('x'), b)
				assert.Len(t, reported, 4, "one report per error")
				return s.Shutdown(testctx.Within(t, 5*time.Second))
			}))
			require.GreaterOrEqual(t, len(slept), 5)
			want := []time.Duration{0, ms, 2 * ms, 2 * ms, 2 * ms}
			if opts.MaxDelay == ms {
				want = []time.Duration{0, ms, ms, ms, ms}
			}
			assert.Equal(t, want, slept[:5], "the back-off before each accept")
		})
	}
}
