package cev

// #include "cev.h"
import "C"

// Version returns the ABI version of the libev linked into the process
// (ev_version_major, ev_version_minor; ev.pod, GLOBAL FUNCTIONS). With
// -tags libev_static it is the compiled-in copy's, 4.33.
func Version() (major, minor int) {
	major, minor, _, _ = versions()
	return major, minor
}

// HeaderVersion returns EV_VERSION_MAJOR and EV_VERSION_MINOR of the ev.h
// cev was compiled against (ev.pod, GLOBAL FUNCTIONS, ev_version_major).
func HeaderVersion() (major, minor int) {
	_, _, major, minor = versions()
	return major, minor
}

func versions() (major, minor, hmajor, hminor int) {
	var a, b, c, d C.int
	C.cev_version(&a, &b, &c, &d)
	return int(a), int(b), int(c), int(d)
}

// versionErr is checkVersion's verdict on the linked libev; NewLoop
// returns it rather than run a libev whose ABI differs from the headers'.
var versionErr = checkVersion(versions())

// checkVersion applies ev.pod's rule (GLOBAL FUNCTIONS, ev_version_major):
// the major versions must match, and the linked minor version may be
// newer than the headers' but not older.
func checkVersion(major, minor, hmajor, hminor int) error {
	if major == hmajor && minor >= hminor {
		return nil
	}
	return errf("NewLoop", ErrVersion,
		"the linked libev is %d.%d but cev was compiled against ev.h %d.%d: install the libev whose headers you build with (apt-get install libev-dev libev4), or build with -tags libev_static",
		major, minor, hmajor, hminor)
}
