//go:build !race

package socket

// sysRead is the data path's read: recvDontwait (sys.go).
func sysRead(fd int, b []byte) (int, error) { return recvDontwait(fd, b) }

// sysWrite is the data path's write: sendDontwait (sys.go).
func sysWrite(fd int, b []byte) (int, error) { return sendDontwait(fd, b) }
