#!/usr/bin/env bash
# Whole-process comparison of `crashdmcrypt scan` (the Native AOT binary) with ripgrep's fixed-string count and
# aeskeyfind on the same 1 GiB raw image, in the same run, start-up included. Runs are interleaved (scan, rg, scan, rg,
# ...) so that a change in the machine's load hits both alike, and the medians of wall, user and system time are printed.
#
#   compare-scan.sh [--runs N] [--cold] [--aes N] [--bin PATH] [IMAGE]
#
#   --runs N    repetitions of each tool (default 7)
#   --cold      evict the image from the page cache before every run (posix_fadvise DONTNEED on that file only);
#               by default the page cache is warmed (the file read once) before every run
#   --aes N     aeskeyfind runs (default 1; 0 skips it: it takes about a minute)
#   --bin PATH  an already published crashdmcrypt; by default the script publishes one (dotnet publish -p:PublishAot=true)
#   IMAGE       default /tmp/cdc-scan-1g.raw, made by make-image.py when missing
#
# Needs ripgrep, aeskeyfind (apt-get install ripgrep aeskeyfind), GNU time (/usr/bin/time) and python3. On the shared
# machine run it under the CPU lock: flock -o /tmp/cdc-cpu.lock tests/CrashDmCrypt.Dumps.Tests/bench/compare-scan.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
runs=7 cold=0 aes=1 bin="" image=/tmp/cdc-scan-1g.raw
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --cold) cold=1; shift ;;
    --aes) aes=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) image=$1; shift ;;
  esac
done
[ -f "$image" ] || python3 "$here/make-image.py" "$image"
if [ -z "$bin" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
  dotnet publish "$root/src/Cli" -c Release -r linux-x64 -p:PublishAot=true -p:UseSharedCompilation=false \
    -nodeReuse:false -o "$out" >/dev/null
  bin="$out/crashdmcrypt"
fi

evict() { python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$image"; }
prepare() { if [ "$cold" = 1 ]; then evict; else cat "$image" > /dev/null; fi; }
# The page cache as a file read from disk holds it (pages just written by make-image.py are laid out differently in
# memory, and both tools then read them markedly slower): evict once, then warm before every run.
evict
log="$(mktemp)"
# scan exits 1 when it finds key material (it does: 16 blobs are planted), rg 0; neither is an error here.
run() { local name=$1; shift; prepare; /usr/bin/time -a -o "$log" -f "$name %e %U %S" "$@" > /dev/null || true; }
for _ in $(seq "$runs"); do
  run scan "$bin" scan "$image"
  run rg rg -c -a -F 'cryptsetup:' "$image"
done
for _ in $(seq "$aes"); do run aeskeyfind aeskeyfind -q "$image"; done

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), page cache $([ "$cold" = 1 ] && echo cold || echo warm), $(stat -c %s "$image") bytes"
grep -v '^Command' "$log" | python3 -c '
import statistics, sys
rows = {}
for line in sys.stdin:
    name, *t = line.split()
    rows.setdefault(name, []).append([float(x) for x in t])
size = int(sys.argv[1])
print("%-12s %4s %8s %8s %8s %8s  (medians; wall min..max)" % ("tool", "runs", "wall s", "user s", "sys s", "MiB/s"))
for name, t in rows.items():
    wall, user, sys_ = (statistics.median(c) for c in zip(*t))
    walls = [x[0] for x in t]
    print(f"{name:12} {len(t):>4} {wall:>8.2f} {user:>8.2f} {sys_:>8.2f} {size / 2**20 / wall:>8.0f}  ({min(walls):.2f}..{max(walls):.2f})")
' "$(stat -c %s "$image")"
rm -f "$log"
