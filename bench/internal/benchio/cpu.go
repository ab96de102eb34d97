package benchio

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// ErrBadPID is returned for a process id that cannot name a process.
var ErrBadPID = errors.New("benchio: bad process id")

// ProcessCPU returns the CPU time (user and system, every thread, exited ones
// included) that process pid has used so far, to the nanosecond: the
// process's CPU-time clock (clock_getcpuclockid), which Linux lets any
// process read for a thread-group leader.
func ProcessCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("%w: %d", ErrBadPID, pid)
	}
	// The clock id of a process's CPUCLOCK_SCHED clock: ^pid << 3 | 2.
	clock := uintptr(int32(^pid<<3 | 2))
	var ts syscall.Timespec
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		return 0, fmt.Errorf("benchio: CPU clock of process %d: %w", pid, e)
	}
	return time.Duration(ts.Nano()), nil
}

// ticksPerSecond is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const ticksPerSecond = 100

// ProcessTimes returns the user and system CPU time of process pid from
// /proc/<pid>/stat, in clock ticks (10 ms): too coarse for a short window on
// their own, they split ProcessCPU's precise total between user code and the
// kernel.
func ProcessTimes(pid int) (user, sys time.Duration, err error) {
	if pid <= 0 {
		return 0, 0, fmt.Errorf("%w: %d", ErrBadPID, pid)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("benchio: times of process %d: %w", pid, err)
	}
	return parseStatTimes(string(b))
}

// parseStatTimes reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line; the command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.
func parseStatTimes(stat string) (user, sys time.Duration, err error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("benchio: unexpected /proc stat line %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state): utime is field 14, f[11].
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("benchio: short /proc stat line %q", stat)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("benchio: /proc stat times: %w", err)
	}
	tick := time.Second / ticksPerSecond
	return time.Duration(u) * tick, time.Duration(s) * tick, nil
}
