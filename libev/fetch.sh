#!/bin/sh
# Obtains libev 4.33 from Debian's source archive, verifies the pinned
# checksum and unpacks it to libev/libev-4.33. A second run is a no-op.
#
# apt gets a private sources file and lists directory through -o options;
# the machine's own apt configuration is read (to derive deb-src entries
# from its deb entries) but never changed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
version=4.33
tarball=libev_${version}.orig.tar.gz
want=$(cat "$here/SHA256SUMS" | awk -v f="$tarball" '$2 == f { print $1 }')
dest="$here/libev-$version"

if [ -f "$dest/ev.c" ] && [ -f "$dest/.verified" ]; then
	exit 0
fi

work="$here/.apt"
mkdir -p "$work/sources.list.d" "$work/lists/partial" "$work/download"
: > "$work/sources.list"

# deb822 files: turn each stanza's Types into deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed -E 's/^Types:.*$/Types: deb-src/' "$f" > "$work/sources.list.d/$(basename "$f")"
done
# one-line files: keep deb lines, as deb-src.
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' "$f" >> "$work/sources.list"
done

aptopts="-o Dir::Etc::SourceList=$work/sources.list
 -o Dir::Etc::SourceParts=$work/sources.list.d
 -o Dir::State::Lists=$work/lists
 -o Dir::Cache::pkgcache=
 -o Dir::Cache::srcpkgcache=
 -o APT::Sandbox::User=root
 -o Debug::NoLocking=true"

if [ ! -f "$work/download/$tarball" ]; then
	if ! command -v dpkg-source >/dev/null 2>&1; then
		echo "libev/fetch.sh: dpkg-source is missing; run: apt-get install dpkg-dev" >&2
		exit 1
	fi
	# shellcheck disable=SC2086
	apt-get $aptopts -qq update
	# shellcheck disable=SC2086
	(cd "$work/download" && apt-get $aptopts -qq source --download-only "libev=1:$version-1")
fi

got=$(sha256sum "$work/download/$tarball" | awk '{ print $1 }')
if [ "$got" != "$want" ]; then
	echo "libev/fetch.sh: $tarball has sha256 $got, want $want" >&2
	exit 1
fi

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
tar -xzf "$work/download/$tarball" -C "$dest.tmp" --strip-components=1
touch "$dest.tmp/.verified"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "libev $version unpacked in $dest (sha256 verified)"
