#!/usr/bin/env bash
# Fetches Linux 7.2's source (Debian unstable's linux-source-7.2) into the lab cache, once.
# A private apt list names the suite sid; the machine's own sources are left alone.
# Prints the path of the unpacked tree. Usage: lab/fetch-source.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

src_root="$LAB_CACHE/source"
mkdir -p "$src_root"
if tree=$(ls -d "$src_root"/linux-source-7.2*/ 2>/dev/null | head -1) && [ -f "$tree/Makefile" ] && [ -f "$tree/.lab-unpacked" ]; then
  echo "${tree%/}"; exit 0
fi

apt_dir="$LAB_CACHE/apt-sid"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
# The machine's Debian archive URI, from its own sources (deb822 or one-line).
uri=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$uri" ] || uri=$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$uri" ] || uri=http://deb.debian.org/debian
echo "deb [trusted=yes] $uri sid main" > "$apt_dir/sources.list"
opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/nonexistent
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::archives=$apt_dir/archives" -o APT::Get::List-Cleanup=0)
apt-get "${opts[@]}" update -qq >&2
( cd "$apt_dir" && apt-get "${opts[@]}" download linux-source-7.2 >&2 )
deb=$(ls "$apt_dir"/linux-source-7.2_*.deb | head -1)
work=$(mktemp -d "$LAB_CACHE/unpack.XXXXXX")
dpkg-deb -x "$deb" "$work"
tarball=$(ls "$work"/usr/src/linux-source-7.2*.tar.* | head -1)
tar -xf "$tarball" -C "$src_root"
rm -rf "$work"
tree=$(ls -d "$src_root"/linux-source-7.2*/ | head -1)
touch "$tree/.lab-unpacked"
echo "${tree%/}"
