// Package testctx holds the contexts the project's tests bound their waits
// with.
package testctx

import (
	"context"
	"testing"
	"time"
)

// Within returns a context whose deadline is d from now, cancelled when the
// test ends.
func Within(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
