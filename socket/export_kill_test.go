package socket

// HasKept reports whether p, a shared socket, holds what a read abandoned by its greenlet kept
// for the next read. It does not wait: while a read holds the read lock it reports false.
func HasKept(p *PacketConn) bool {
	sh := p.fd.sh.Load()
	select {
	case sh.lock[dirRead] <- struct{}{}:
		defer sh.unlockDir(dirRead)
		return sh.kept.set
	default:
		return false
	}
}
