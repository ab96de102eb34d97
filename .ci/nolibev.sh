#!/bin/bash
# make test-nolibev: building cev without a usable libev stops with exactly
# one compiler error, which says what to do (cev/cev_check.h), instead of an
# error for every libev name in cev's glue.
#
# Each case builds ./cev/ from a copy of the repository's tracked files (so
# libev/libev-4.33 is absent, as in the module cache), with no GOFLAGS but
# the case's own. The missing or doctored ev.h is real to gcc: CGO_CFLAGS
# gives it --sysroot=DIR, where DIR/usr/include holds symlinks to every entry
# of /usr/include except ev.h (plus, for some cases, a doctored copy of it);
# gcc's own headers do not move with the sysroot. So this runs the same gcc
# on the same files as on a machine without libev-dev; it does not remove
# libev-dev, and it needs /usr/include/ev.h to make the doctored copies.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
unset GOFLAGS
go=${GO:-go}
[ -f /usr/include/ev.h ] || { echo "test-nolibev: /usr/include/ev.h missing: run make deps (libev-dev)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/src
mkdir "$src"
(cd "$repo" && git ls-files -z | xargs -0 tar -cf -) | tar -xf - -C "$src"

# sysroot DIR [EV_H]: DIR/usr/include is /usr/include without ev.h and
# ev++.h, with EV_H as its ev.h when given.
sysroot() {
	mkdir -p "$1/usr/include"
	local e
	for e in /usr/include/*; do
		case ${e##*/} in ev.h | ev++.h) ;; *) ln -s "$e" "$1/usr/include/" ;; esac
	done
	if [ $# -gt 1 ]; then cp "$2" "$1/usr/include/ev.h"; fi
}

# expect NAME WANT [VAR=VALUE...]: go build ./cev/ with the variables set
# fails with exactly one gcc error line, and that line contains WANT.
expect() {
	local name=$1 want=$2 out errs n
	shift 2
	if out=$(cd "$src" && env "$@" "$go" build ./cev/ 2>&1); then
		echo "test-nolibev: $name: go build ./cev/ succeeded" >&2
		return 1
	fi
	errs=$(grep -E '^[^ ].*error: ' <<<"$out" || true)
	n=$(grep -c . <<<"$errs" || true)
	if [ "$n" != 1 ] || ! grep -qF -- "$want" <<<"$errs"; then
		echo "test-nolibev: $name: want one error line containing \"$want\", got $n:" >&2
		echo "$out" >&2
		return 1
	fi
	echo "test-nolibev: $name: one error line: ${errs#*error: }"
}

sysroot "$work/none"
sed -E 's/(define EV_VERSION_MAJOR) 4/\1 5/; s/(define EV_VERSION_MINOR) [0-9]+/\1 0/' /usr/include/ev.h >"$work/ev5.h"
sysroot "$work/v5" "$work/ev5.h"
sed -E 's/(define EV_VERSION_MINOR) [0-9]+/\1 10/' /usr/include/ev.h >"$work/ev410.h"
sysroot "$work/v410" "$work/ev410.h"

# The copy itself builds: the failures below come from each case alone.
(cd "$src" && "$go" build ./cev/)
echo "test-nolibev: the copy builds with the system libev"

expect "no ev.h" "libev not found (no <ev.h>): apt-get install libev-dev" \
	CGO_CFLAGS="-O2 -g --sysroot=$work/none"
expect "-tags libev_static without make libev" "run make libev" \
	GOFLAGS=-tags=libev_static
expect "ev.h of libev 5.0" "found libev 5.0 but cev needs libev 4" \
	CGO_CFLAGS="-O2 -g --sysroot=$work/v5"
expect "ev.h of libev 4.10" "found libev 4.10 but cev needs libev 4.11 or later" \
	CGO_CFLAGS="-O2 -g --sysroot=$work/v410"
expect "EV_MULTIPLICITY=0" "EV_MULTIPLICITY 0" \
	CGO_CPPFLAGS=-DEV_MULTIPLICITY=0
expect "EV_CLEANUP_ENABLE=0" "no ev_cleanup" \
	CGO_CPPFLAGS=-DEV_CLEANUP_ENABLE=0
