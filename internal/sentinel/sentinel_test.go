package sentinel_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/geventgo/geventgo/internal/sentinel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOfMatchesItselfAndItsKind(t *testing.T) {
	kind := errors.New("closed")
	other := errors.New("closed")
	err := sentinel.Of(kind, "pool closed")
	wrapped := fmt.Errorf("pool: Apply: %w", err)

	assert.EqualError(t, err, "pool closed")
	assert.EqualError(t, wrapped, "pool: Apply: pool closed")
	assert.ErrorIs(t, wrapped, err)
	assert.ErrorIs(t, wrapped, kind)
	assert.NotErrorIs(t, wrapped, other, "a kind is matched by identity, not by text")
	assert.NotErrorIs(t, wrapped, sentinel.Of(kind, "pool closed"), "each sentinel is its own")
}
