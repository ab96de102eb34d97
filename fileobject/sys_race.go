//go:build race

package fileobject

import "syscall"

// sysRead is syscall.Read, whose race annotations tie a write to the read that sees it.
func sysRead(fd int, b []byte) (int, error) { return syscall.Read(fd, b) }

// sysWrite is syscall.Write.
func sysWrite(fd int, b []byte) (int, error) { return syscall.Write(fd, b) }
