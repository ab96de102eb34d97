package socket_test

import (
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/geventgo/geventgo/scheduler"
	"github.com/geventgo/geventgo/socket"
)

var errorType = reflect.TypeFor[error]()

// callEveryMethod calls every exported method of v with zero arguments and returns, by method
// name, what it returned; a panic fails the test.
func callEveryMethod(t *testing.T, v any) map[string][]reflect.Value {
	t.Helper()
	rv := reflect.ValueOf(v)
	out := make(map[string][]reflect.Value)
	for i := range rv.NumMethod() {
		m := rv.Type().Method(i)
		args := make([]reflect.Value, m.Type.NumIn()-1)
		for j := range args {
			args[j] = reflect.Zero(m.Type.In(j + 1))
		}
		assert.NotPanics(t, func() { out[m.Name] = rv.Method(i).Call(args) }, "%T.%s", v, m.Name)
	}
	return out
}

// TestNilSockets: every method of a nil *Conn, *Listener and *PacketConn returns an error
// matching scheduler.ErrNilArgument (Fd -1, the addresses nil, Shared a socket whose calls
// fail so), never a panic: the methods promoted from the embedded sock (Close, Fd, the
// addresses, deadlines and buffer sizes) dereferenced the nil pointer.
func TestNilSockets(t *testing.T) {
	for _, v := range []any{(*socket.Conn)(nil), (*socket.Listener)(nil), (*socket.PacketConn)(nil)} {
		for name, res := range callEveryMethod(t, v) {
			for _, r := range res {
				switch {
				case r.Type() == errorType:
					assert.ErrorIs(t, r.Interface().(error), scheduler.ErrNilArgument, "%T.%s", v, name)
				case name == "Fd":
					assert.Equal(t, -1, r.Interface(), "%T.Fd", v)
				case name == "Shared":
					assert.ErrorIs(t, r.Interface().(io.Closer).Close(), scheduler.ErrNilArgument,
						"%T.Shared().Close", v)
				case r.Kind() == reflect.Interface || r.Kind() == reflect.Pointer:
					assert.True(t, r.IsNil(), "%T.%s returns nil", v, name)
				}
			}
		}
	}
}

// TestNilAddresses: a nil *net.UDPAddr (or *net.UnixAddr) given to WriteTo is ErrNilArgument,
// not a panic; a nil *net.TCPAddr as a Dialer's LocalAddr binds to nothing, as in package net;
// a nil LookupHost is ErrNilArgument.
func TestNilAddresses(t *testing.T) {
	run(t, func() error {
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer pc.Close()
		for _, addr := range []net.Addr{(*net.UDPAddr)(nil), (*net.UnixAddr)(nil), (*net.TCPAddr)(nil)} {
			_, err = pc.WriteTo([]byte("x"), addr)
			assert.ErrorIs(t, err, scheduler.ErrNilArgument, "%T", addr)
		}

		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		d := socket.Dialer{LocalAddr: (*net.TCPAddr)(nil), Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		require.NoError(t, c.Close())

		old := socket.LookupHost
		socket.LookupHost = nil
		defer func() { socket.LookupHost = old }()
		_, err = socket.Dial("tcp", "nil-lookup.invalid:80")
		assert.ErrorIs(t, err, scheduler.ErrNilArgument)
		assert.ErrorContains(t, err, "socket.LookupHost")
		return nil
	})
}
