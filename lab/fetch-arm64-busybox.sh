#!/usr/bin/env bash
# Fetches Debian's busybox-static for arm64 (the machine's own suite) into the lab cache with a private apt
# configuration (APT::Architecture=arm64), leaving the machine's apt state alone. Prints the binary's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
out="$LAB_CACHE/arm64/busybox"
if [ -x "$out" ]; then echo "$out"; exit 0; fi
apt_dir="$LAB_CACHE/apt-arm64"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$LAB_CACHE/arm64"
uri=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$uri" ] || uri=http://deb.debian.org/debian
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
echo "deb [arch=arm64 trusted=yes] $uri $suite main" > "$apt_dir/sources.list"
opts=(-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
      -o Dir::Etc::sourceparts=/nonexistent -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::archives=$apt_dir/archives"
      -o "Dir::State::status=/dev/null" -o APT::Get::List-Cleanup=0)
apt-get "${opts[@]}" update -qq >&2
( cd "$apt_dir" && apt-get "${opts[@]}" download busybox-static:arm64 >&2 )
work=$(mktemp -d)
dpkg-deb -x "$(ls "$apt_dir"/busybox-static_*_arm64.deb | head -1)" "$work"
install -m 0755 "$work/bin/busybox" "$out.tmp" && mv "$out.tmp" "$out"
rm -rf "$work"
echo "$out"
