package ghttp

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ctxKey struct{}

// withContext sets the request's context in place with the net/http compiled in (a change of
// its Request's layout shows here, and withContext then copies as WithContext does).
func TestWithContextSetsTheRequestsOwnContext(t *testing.T) {
	require.True(t, requestCtxFound, "http.Request has no field ctx of type context.Context")
	req, err := http.NewRequest(http.MethodGet, "http://x/", nil)
	require.NoError(t, err)
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	got := withContext(req, ctx)
	assert.Same(t, req, got)
	assert.Equal(t, ctx, got.Context())
	assert.Equal(t, "v", got.Context().Value(ctxKey{}))
	// WithContext, which handlers call, still copies and leaves the original alone.
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	r2 := got.WithContext(ctx2)
	assert.Equal(t, ctx2, r2.Context())
	assert.Equal(t, ctx, got.Context())
}
