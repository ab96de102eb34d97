package scheduler

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/geventgo/geventgo/cev"
)

// ErrInvalidConfig is returned by NewHub, Main, Config.NewHub, Config.Main
// and ConfigFromEnv for a setting they cannot apply; the error names the
// setting (a Config field or an environment variable), the value and why.
var ErrInvalidConfig = errors.New("invalid configuration")

// The environment variables a hub reads at start (gevent reads GEVENT_*
// the same way), for every Config field left zero; an empty one counts as
// unset. A bad value makes NewHub and Main fail with ErrInvalidConfig.
const (
	// EnvLoopBackend names the backends libev may use, comma-separated:
	// select, poll, epoll, linuxaio, iouring (gevent's GEVENT_BACKEND).
	EnvLoopBackend = "GEVENTGO_LOOP_BACKEND"
	// EnvLoopFlags names loop flags, comma-separated: forkcheck,
	// noinotify, notimerfd (noenv and nosigmask are always set).
	EnvLoopFlags = "GEVENTGO_LOOP_FLAGS"
	// EnvThreadpoolSize is the size of the hub's default thread pool, an
	// integer of at least 1.
	EnvThreadpoolSize = "GEVENTGO_THREADPOOL_SIZE"
	// EnvMaxBlockingTime is the blocking detector's threshold, a Go
	// duration ("100ms") or seconds ("0.1", gevent's
	// GEVENT_MAX_BLOCKING_TIME); 0 turns the detector off.
	EnvMaxBlockingTime = "GEVENTGO_MAX_BLOCKING_TIME"
	// EnvSwitchInterval is the switch interval, a positive Go duration or
	// seconds (gevent uses sys.setswitchinterval's).
	EnvSwitchInterval = "GEVENTGO_SWITCH_INTERVAL"
	// EnvRecordSpawnStacks turns the recording of spawning stacks on:
	// 1, true, yes or on; 0, false, no or off (gevent's
	// GEVENT_TRACK_GREENLET_TREE also tracks the tree, which a hub here
	// always does).
	EnvRecordSpawnStacks = "GEVENTGO_RECORD_SPAWN_STACKS"
	// EnvMaxMemoryUsage is the memory monitor's limit in bytes, or with a
	// kb, mb or gb suffix in KiB, MiB or GiB (gevent's
	// GEVENT_MONITOR_MEMORY_MAX); 0 leaves the monitor off.
	EnvMaxMemoryUsage = "GEVENTGO_MAX_MEMORY_USAGE"
	// EnvMemoryMonitorPeriod is how often the memory monitor looks, a
	// positive Go duration or seconds (gevent's
	// GEVENT_MONITOR_MEMORY_PERIOD).
	EnvMemoryMonitorPeriod = "GEVENTGO_MEMORY_MONITOR_PERIOD"
)

// Config is what a hub is started with: gevent.config's settings that
// apply to a hub. A zero field takes its environment variable's value (see
// EnvLoopBackend and the others), and without one the default; the zero
// Config is what NewHub and Main use. The settings that can change later
// have setters on the Hub.
type Config struct {
	// Backend selects the backends libev may use: cev.EVBACKEND_* bits,
	// ORed. Default: libev's recommended backends.
	Backend uint
	// LoopFlags adds EVFLAG_* flags to the loop: cev.EVFLAG_FORKCHECK,
	// EVFLAG_NOINOTIFY, EVFLAG_NOTIMERFD. Default: none.
	LoopFlags uint
	// ThreadpoolSize is the size of the hub's default thread pool
	// (threadpool.Default; gevent's Hub.threadpool_size). Default: the
	// thread pool's own, threadpool.DefaultSize. Negative is invalid.
	ThreadpoolSize int
	// MaxBlockingTime is how long a greenlet may hold the hub before the
	// blocking detector reports it (gevent's max_blocking_time;
	// Hub.SetBlockingThreshold). Negative turns the detector off. Default:
	// DefaultBlockingThreshold.
	MaxBlockingTime time.Duration
	// SwitchInterval is how long one drain of the callback queue may run
	// before the loop is polled (Hub.SetSwitchInterval). Negative is
	// invalid. Default: DefaultSwitchInterval.
	SwitchInterval time.Duration
	// RecordSpawnStacks records where each greenlet is created
	// (Hub.SetRecordSpawnStacks). Default: off; false leaves it to the
	// environment, and the setter turns it off.
	RecordSpawnStacks bool
	// MaxMemoryUsage turns the memory monitor on (gevent's
	// max_memory_usage): while the process uses more than this many bytes,
	// and each time it uses more than at the last look, the hub's error
	// handler gets a *MemoryUsageError, and once more when the usage is
	// back under it. Default: off.
	MaxMemoryUsage uint64
	// MemoryMonitorPeriod is how often the memory monitor looks (gevent's
	// memory_monitor_period), at least MinMemoryMonitorPeriod. Negative is
	// invalid. Default: DefaultMemoryMonitorPeriod.
	MemoryMonitorPeriod time.Duration
}

// ConfigFromEnv returns the settings the environment gives (the Env*
// variables; unset ones are left zero) and ErrInvalidConfig for a value
// that cannot be parsed, naming the variable: what NewHub would apply, for
// a program that checks its environment before it starts hubs.
func ConfigFromEnv() (Config, error) {
	var c Config
	err := c.fillFromEnv()
	return c, err
}

// fillFromEnv sets the zero fields of c from the environment.
func (c *Config) fillFromEnv() error {
	var errs []error
	env := func(key string, zero bool, parse func(string) error) {
		v := strings.TrimSpace(os.Getenv(key))
		if v == "" || !zero {
			// Unset and empty alike leave the default, as gevent's
			// settings do.
			return
		}
		if err := parse(v); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s=%q: %w", ErrInvalidConfig, key, os.Getenv(key), err))
		}
	}
	env(EnvLoopBackend, c.Backend == 0, func(v string) (err error) {
		c.Backend, err = parseNames(v, backendNames)
		return err
	})
	env(EnvLoopFlags, c.LoopFlags == 0, func(v string) (err error) {
		c.LoopFlags, err = parseNames(v, flagNames)
		return err
	})
	env(EnvThreadpoolSize, c.ThreadpoolSize == 0, func(v string) (err error) {
		c.ThreadpoolSize, err = parseSize(v)
		return err
	})
	env(EnvMaxBlockingTime, c.MaxBlockingTime == 0, func(v string) error {
		d, err := parseDuration(v, true)
		if err != nil {
			return err
		}
		if d == 0 {
			d = -1 // 0 in the environment turns the detector off
		}
		c.MaxBlockingTime = d
		return nil
	})
	env(EnvSwitchInterval, c.SwitchInterval == 0, func(v string) (err error) {
		c.SwitchInterval, err = parseDuration(v, false)
		return err
	})
	env(EnvRecordSpawnStacks, !c.RecordSpawnStacks, func(v string) (err error) {
		c.RecordSpawnStacks, err = parseBool(v)
		return err
	})
	env(EnvMaxMemoryUsage, c.MaxMemoryUsage == 0, func(v string) (err error) {
		c.MaxMemoryUsage, err = parseBytes(v)
		return err
	})
	env(EnvMemoryMonitorPeriod, c.MemoryMonitorPeriod == 0, func(v string) (err error) {
		c.MemoryMonitorPeriod, err = parseDuration(v, false)
		return err
	})
	return errors.Join(errs...)
}

// check refuses the fields no hub can start with.
func (c Config) check() error {
	switch {
	case c.ThreadpoolSize < 0:
		return fmt.Errorf("%w: Config.ThreadpoolSize=%d: must be at least 1 (0: the default)", ErrInvalidConfig, c.ThreadpoolSize)
	case c.SwitchInterval < 0:
		return fmt.Errorf("%w: Config.SwitchInterval=%v: must be positive (0: the default)", ErrInvalidConfig, c.SwitchInterval)
	case c.MemoryMonitorPeriod < 0:
		return fmt.Errorf("%w: Config.MemoryMonitorPeriod=%v: must be positive (0: the default)", ErrInvalidConfig, c.MemoryMonitorPeriod)
	}
	return nil
}

// resolve is c with the environment and the defaults applied, checked.
func (c Config) resolve() (Config, error) {
	if err := c.fillFromEnv(); err != nil {
		return c, err
	}
	if err := c.check(); err != nil {
		return c, err
	}
	switch {
	case c.MaxBlockingTime == 0:
		c.MaxBlockingTime = DefaultBlockingThreshold
	case c.MaxBlockingTime < 0:
		c.MaxBlockingTime = 0
	}
	if c.SwitchInterval == 0 {
		c.SwitchInterval = DefaultSwitchInterval
	}
	if c.MemoryMonitorPeriod == 0 {
		c.MemoryMonitorPeriod = DefaultMemoryMonitorPeriod
	}
	c.MemoryMonitorPeriod = max(c.MemoryMonitorPeriod, minMemoryPeriod)
	return c, nil
}

// loopOptions are the cev options for c's backend and flags.
func (c Config) loopOptions() []cev.LoopOption {
	var opts []cev.LoopOption
	if c.Backend != 0 {
		opts = append(opts, cev.WithBackend(c.Backend))
	}
	if c.LoopFlags != 0 {
		opts = append(opts, cev.WithFlags(c.LoopFlags))
	}
	return opts
}

// NewHub is the package's NewHub with c's settings; a setting that cannot
// be applied (a bad field or environment variable, a backend libev does
// not support here) fails it, and no hub is made.
func (c Config) NewHub() (*Hub, error) { return c.create("NewHub") }

// Main is the package's Main with c's settings.
func (c Config) Main(fn func() error) (err error) {
	if fn == nil {
		return opErr("Main", ErrNilArgument)
	}
	h, err := c.create("Main")
	if err != nil {
		return err
	}
	// Deferred, so that a panic in fn still ends the greenlets' defers.
	defer func() {
		if derr := h.Destroy(); derr != nil && err == nil {
			err = derr
		}
	}()
	return fn()
}

var backendNames = map[string]uint{
	"select":   cev.EVBACKEND_SELECT,
	"poll":     cev.EVBACKEND_POLL,
	"epoll":    cev.EVBACKEND_EPOLL,
	"linuxaio": cev.EVBACKEND_LINUXAIO,
	"iouring":  cev.EVBACKEND_IOURING,
}

// flagNames are the flags a loop may be given; noenv and nosigmask are
// always set, and accepted as such.
var flagNames = map[string]uint{
	"forkcheck": cev.EVFLAG_FORKCHECK,
	"noinotify": cev.EVFLAG_NOINOTIFY,
	"notimerfd": cev.EVFLAG_NOTIMERFD,
	"noenv":     0,
	"nosigmask": 0,
}

// parseNames ORs the bits of comma-separated names.
func parseNames(v string, known map[string]uint) (uint, error) {
	var bits uint
	for _, name := range strings.Split(v, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		b, ok := known[name]
		if !ok {
			return 0, fmt.Errorf("unknown name %q (known: %s)", name, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
		bits |= b
	}
	return bits, nil
}

func parseSize(v string) (int, error) {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, errors.New("not an integer")
	case n < 1:
		return 0, errors.New("must be at least 1")
	}
	return n, nil
}

// parseDuration reads a Go duration or a number of seconds; zeroOK allows
// 0.
func parseDuration(v string, zeroOK bool) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || secs != secs || secs > (1<<62)/1e9 || secs < -(1<<62)/1e9 {
			return 0, errors.New(`not a duration ("100ms") or a number of seconds ("0.1")`)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	switch {
	case d < 0:
		return 0, errors.New("must not be negative")
	case d == 0 && !zeroOK:
		return 0, errors.New("must be positive")
	}
	return d, nil
}

// parseBytes reads a byte count: an integer, or one with a kb, mb or gb
// suffix (any case) counting KiB, MiB or GiB, as gevent's byte settings.
func parseBytes(v string) (uint64, error) {
	num, shift := strings.ToLower(v), 0
	for i, suffix := range []string{"kb", "mb", "gb"} {
		if n, ok := strings.CutSuffix(num, suffix); ok {
			num, shift = strings.TrimSpace(n), 10*(i+1)
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n > (1<<64-1)>>shift {
		return 0, errors.New(`not a byte count ("536870912", "512mb")`)
	}
	return n << shift, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, errors.New("not a boolean (1, true, yes, on; 0, false, no, off)")
}
