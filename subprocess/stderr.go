package subprocess

import (
	"context"
	"io"
	"strconv"

	"github.com/geventgo/geventgo/fileobject"
)

// stderrLimit is how many bytes of a failing command's standard error Output keeps at each end
// for the *exec.ExitError, as os/exec's Output does.
const stderrLimit = 32 << 10

// headTail keeps the first and the last stderrLimit bytes of a stream and counts those between,
// so that a command writing without end to its standard error costs Output bounded memory.
type headTail struct {
	head    []byte
	tail    []byte // the bytes past head, trimmed to the last stderrLimit when twice that
	skipped int64  // bytes dropped between head and tail
}

// write keeps what it must of p.
func (s *headTail) write(p []byte) {
	if room := stderrLimit - len(s.head); room > 0 {
		k := min(room, len(p))
		s.head = append(s.head, p[:k]...)
		p = p[k:]
	}
	s.tail = append(s.tail, p...)
	if len(s.tail) >= 2*stderrLimit {
		s.trim()
	}
}

// trim drops all but the last stderrLimit bytes of tail.
func (s *headTail) trim() {
	if drop := len(s.tail) - stderrLimit; drop > 0 {
		s.skipped += int64(drop)
		s.tail = append(s.tail[:0], s.tail[drop:]...)
	}
}

// bytes returns what was kept, with os/exec's marker of the bytes left out between both ends.
func (s *headTail) bytes() []byte {
	s.trim()
	out := append([]byte(nil), s.head...)
	if s.skipped > 0 {
		out = append(out, "\n... omitting "+strconv.FormatInt(s.skipped, 10)+" bytes ...\n"...)
	}
	return append(out, s.tail...)
}

// readKept feeds what f yields to s until EOF, when it sets *done.
func readKept(ctx context.Context, f *fileobject.File, s *headTail, done *bool) error {
	buf := make([]byte, 8<<10)
	for {
		n, err := f.ReadContext(ctx, buf)
		s.write(buf[:n])
		switch {
		case err == io.EOF:
			*done = true
			return nil
		case err != nil:
			return err
		}
	}
}
