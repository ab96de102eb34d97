package socket

// SendfileCalls returns how many sendfile(2) calls have moved bytes so far.
func SendfileCalls() int64 { return sendfileCalls.Load() }
