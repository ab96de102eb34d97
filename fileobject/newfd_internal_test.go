package fileobject

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NewFD asks epoll about the descriptor once, before an *os.File owns it: adopt asked again, and
// a failure of that second look (epoll_create1 out of descriptors, ENOSPC) dropped the *os.File,
// whose finalizer then closed the caller's descriptor. The test fails every look after the first.
func TestNewFDAsksEpollOnce(t *testing.T) {
	var p [2]int
	require.NoError(t, syscall.Pipe2(p[:], syscall.O_CLOEXEC))
	defer syscall.Close(p[1])
	looks := 0
	pollable = func(fd int) (bool, error) {
		looks++
		if looks > 1 {
			return false, syscall.ENOSPC
		}
		return epollTakes(fd)
	}
	defer func() { pollable = epollTakes }()
	f, err := NewFD(p[0])
	require.NoError(t, err, "a second look failed NewFD after an *os.File owned the descriptor")
	defer f.Close()
	assert.Equal(t, 1, looks)
	assert.Equal(t, modePoll, f.mode)
}
