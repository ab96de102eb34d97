package cev

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionMatchesHeaders(t *testing.T) {
	major, minor := Version()
	hmajor, hminor := HeaderVersion()
	assert.Equal(t, 4, major)
	assert.Equal(t, hmajor, major)
	assert.GreaterOrEqual(t, minor, hminor)
	assert.GreaterOrEqual(t, hminor, 11, "cev_check.h refuses headers older than 4.11")
	if Embedded {
		assert.Equal(t, [2]int{4, 33}, [2]int{major, minor})
	}
	assert.NoError(t, versionErr)
}

func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		major, minor, hmajor, hminor int
		ok                           bool
	}{
		{4, 33, 4, 33, true},
		{4, 34, 4, 33, true},  // a newer minor keeps the ABI
		{4, 32, 4, 33, false}, // an older one may lack what the headers declare
		{5, 0, 4, 33, false},
		{3, 9, 4, 33, false},
	} {
		err := checkVersion(tc.major, tc.minor, tc.hmajor, tc.hminor)
		if tc.ok {
			assert.NoError(t, err, "%+v", tc)
			continue
		}
		require.Error(t, err, "%+v", tc)
		assert.ErrorIs(t, err, ErrVersion)
		var e *Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, "NewLoop", e.Op)
		assert.Contains(t, err.Error(), "linked libev is")
	}
	err := checkVersion(5, 1, 4, 33)
	assert.Contains(t, err.Error(), "5.1")
	assert.Contains(t, err.Error(), "4.33")
}

// NewLoop refuses to run a libev whose version checkVersion rejected.
func TestNewLoopVersionMismatch(t *testing.T) {
	saved := versionErr
	t.Cleanup(func() { versionErr = saved })
	versionErr = checkVersion(5, 0, 4, 33)

	l, err := NewLoop()
	assert.Nil(t, l)
	assert.ErrorIs(t, err, ErrVersion)

	versionErr = saved
	l, err = NewLoop()
	require.NoError(t, err)
	require.NoError(t, l.Destroy())
}
