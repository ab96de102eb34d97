package testproc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// PanicNilChild reports whether the running test is the child that runs it under
// GODEBUG=panicnil=1, where recover returns nil for panic(nil); in the parent it runs that child
// (InChildWith). In the child it checks that the setting is in effect.
func PanicNilChild(t *testing.T) bool {
	t.Helper()
	if !InChildWith(t, "GODEBUG=panicnil=1") {
		return false
	}
	require.Nil(t, func() (r any) {
		defer func() { r = recover() }()
		panic(nil)
	}(), "GODEBUG=panicnil=1 is in effect")
	return true
}
