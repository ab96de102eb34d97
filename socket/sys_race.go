//go:build race

package socket

import "syscall"

// sysRead is read(2) through syscall.Read, whose race annotations order a
// write to a socket before the read that returns its bytes (see sys.go).
func sysRead(fd int, b []byte) (int, error) { return syscall.Read(fd, b) }

// sysWrite is write(2) through syscall.Write (see sysRead).
func sysWrite(fd int, b []byte) (int, error) { return syscall.Write(fd, b) }
