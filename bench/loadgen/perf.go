package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// errPerfControl is wrapped by every failure to drive perf's control fifos.
var errPerfControl = errors.New("loadgen: perf control")

// perfControl is the pair of fifos of a `perf stat -D -1 --control
// fifo:CTL,ACK` running the server: counting is enabled and disabled by
// writing a command to CTL, and perf confirms each on ACK.
type perfControl struct {
	ctl, ack *os.File
}

// openPerfControl opens the fifos named "CTL,ACK" (perf holds both open, so
// neither open blocks once perf runs).
func openPerfControl(spec string) (*perfControl, error) {
	ctlPath, ackPath, ok := strings.Cut(spec, ",")
	if !ok || ctlPath == "" || ackPath == "" {
		return nil, fmt.Errorf("%w: want CTL,ACK, got %q", errPerfControl, spec)
	}
	ctl, err := os.OpenFile(ctlPath, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPerfControl, err)
	}
	ack, err := os.OpenFile(ackPath, os.O_RDONLY, 0)
	if err != nil {
		ctl.Close()
		return nil, fmt.Errorf("%w: %v", errPerfControl, err)
	}
	return &perfControl{ctl: ctl, ack: ack}, nil
}

// send writes cmd ("enable" or "disable") and waits up to 5 s for perf's
// acknowledgement.
func (p *perfControl) send(cmd string) error {
	if _, err := p.ctl.WriteString(cmd + "\n"); err != nil {
		return fmt.Errorf("%w: %s: %v", errPerfControl, cmd, err)
	}
	_ = p.ack.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 16)
	n, err := p.ack.Read(buf)
	if err != nil {
		return fmt.Errorf("%w: %s: no acknowledgement: %v", errPerfControl, cmd, err)
	}
	if !bytes.HasPrefix(buf[:n], []byte("ack")) {
		return fmt.Errorf("%w: %s: perf answered %q", errPerfControl, cmd, buf[:n])
	}
	return nil
}

func (p *perfControl) Close() error {
	return errors.Join(p.ctl.Close(), p.ack.Close())
}

// watchPerf enables perf's counting at start and disables it at end.
func watchPerf(p *perfControl, start, end time.Time) *edges {
	return atEdges(start, end, func(i int) error {
		return p.send([]string{"enable", "disable"}[i])
	})
}
