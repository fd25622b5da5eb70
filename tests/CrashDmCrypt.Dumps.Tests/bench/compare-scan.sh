#!/usr/bin/env bash
# Whole-process comparison of `crashdmcrypt scan` with ripgrep's fixed-string count and aeskeyfind on the same 1 GiB
# raw image, in the same run, start-up included, page cache warm. Needs ripgrep and aeskeyfind (apt-get install ripgrep
# aeskeyfind) and python3. Usage: compare-scan.sh [IMAGE] (made by make-image.py when missing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
image="${1:-/tmp/cdc-scan-1g.raw}"
[ -f "$image" ] || python3 "$here/make-image.py" "$image"
dotnet build "$root/src/Cli" -c Release -nodeReuse:false >/dev/null
cdc="$root/artifacts/bin/CrashDmCrypt.Cli/release/crashdmcrypt"
cat "$image" > /dev/null
run() { local name=$1; shift; /usr/bin/time -f "$name %e s" "$@" > /dev/null || true; }
for i in 1 2 3; do run "crashdmcrypt-scan" "$cdc" scan "$image"; done
for i in 1 2 3; do run "rg-count" rg -c -a -F 'cryptsetup:' "$image"; done
command -v aeskeyfind > /dev/null && run "aeskeyfind" aeskeyfind -q "$image"
