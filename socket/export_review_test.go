package socket

// ReadLockHeld reports whether a call holds the read lock of c, a shared socket.
func ReadLockHeld(c *Conn) bool { return len(c.fd.sh.Load().lock[dirRead]) == 1 }
