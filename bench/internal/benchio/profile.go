package benchio

import (
	"os"
	"runtime/pprof"
	"strconv"
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
	return startProfile(path)
}

// windows counts the profiles ProfileWindow started, to name each its own file.
var windows int

// ProfileWindow is StartProfile for a program whose measured window is only part of its run
// (event_wake's Set until the last waiter ran, not the spawning before it): it profiles one
// window into ProfileEnv's path with ".<n>" added, n counting from 0, and the caller ends it
// once the window closes. A program calls either StartProfile or ProfileWindow, never both;
// benchreport reads the windows' files together as one profile.
func ProfileWindow() (stop func()) {
	path := os.Getenv(ProfileEnv)
	if path == "" {
		return func() {}
	}
	windows++
	return startProfile(path + "." + strconv.Itoa(windows-1))
}

// startProfile starts a CPU profile into path and returns the function that ends it.
func startProfile(path string) (stop func()) {
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
