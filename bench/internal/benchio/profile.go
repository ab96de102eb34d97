package benchio

import (
	"os"
	"runtime/pprof"
)

// ProfileEnv names the file a program writes a CPU profile of itself to when
// it is set: bench/cmd/benchreport sets it for one extra run of the programs
// whose goals quote a profile as evidence.
const ProfileEnv = "BENCH_CPUPROFILE"

// StartProfile starts the CPU profile ProfileEnv asks for and returns the
// function that ends it and writes the file; without ProfileEnv both do
// nothing. A profile that cannot start fails the program: a run asked for a
// profile must not silently measure without one.
func StartProfile() (stop func()) {
	path := os.Getenv(ProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		Fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		Fail(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			Fail(err)
		}
	}
}
