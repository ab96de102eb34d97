#!/bin/bash
# make test-adopt: a module outside the repository (.ci/adopt) adds geventgo
# and builds it the way a user's module would: no tags (none of the
# Makefile's GOFLAGS), no make libev, geventgo's directory never written to.
#
# geventgo is a copy of the repository's tracked files (git ls-files: no
# libev/libev-4.33, as in the module cache), made read-only; the adopting
# module is copied next to it, its go.mod gets a replace pointing at the
# copy, then go mod tidy, go build, go vet, go mod verify and a run of the
# program, whose output is checked. chmod a-w stops a normal user's writes
# but not root's (CI runs as root), so the check also compares every path,
# mode and file sha256 of the copy before and after: nothing may be written
# there, which is what go mod verify would ask of geventgo in the module
# cache (go mod verify itself does not look at a directory replacement).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
go=${GO:-go}
unset GOFLAGS
fail() {
	echo "test-adopt: $*" >&2
	exit 1
}
# The Makefile's GOFLAGS (the libev_static tag) is gone; a go env file of
# the machine may still set GOFLAGS, as a user's may, but no tags.
if "$go" env GOFLAGS | grep -q -- '-tags'; then
	fail "go env GOFLAGS sets tags ($("$go" env GOFLAGS)); the check needs a build without tags"
fi

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
gg=$work/geventgo
mkdir "$gg"
(cd "$repo" && git ls-files -z | xargs -0 tar -cf -) | tar -xf - -C "$gg"
[ ! -e "$gg/libev/libev-4.33" ] || fail "the copy has libev/libev-4.33"
chmod -R a-w "$gg"
listing() {
	(cd "$gg" && find . -printf '%M %p\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}
before=$(listing)

mod=$work/adopt
cp -r "$repo/.ci/adopt" "$mod"
cd "$mod"
"$go" mod edit -replace "github.com/geventgo/geventgo=$gg"
"$go" mod tidy
"$go" build -o adopt .
"$go" vet ./...
"$go" mod verify

if "$go" version -m ./adopt | grep -- '-tags'; then
	fail "the program was built with tags"
fi
ldd ./adopt | grep -q 'libev\.so' || fail "the program does not link the system's libev.so"
out=$(./adopt) || fail "the program failed: $out"
[ "$out" = "[fast slow]" ] || fail "the program printed '$out', want '[fast slow]'"
echo "test-adopt: built with no tags against a read-only copy of geventgo, linked libev.so, printed $out"

after=$(listing)
if [ "$before" != "$after" ]; then
	diff <(echo "$before") <(echo "$after") >&2 || true
	fail "the build wrote into geventgo's directory"
fi
echo "test-adopt: geventgo's directory is unchanged (paths, modes, sha256)"
