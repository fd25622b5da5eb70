#!/usr/bin/env bash
# Whole-process comparison of `crashdmcrypt scan` (the Native AOT binary) with ripgrep's fixed-string count and
# aeskeyfind on the same 1 GiB raw image, in the same run, start-up included. Runs are interleaved (scan, rg, scan, rg,
# ...) so that a change in the machine's load hits both alike, and the medians of wall, user and system time are printed,
# in milliseconds (each run timed with a monotonic clock and getrusage, not GNU time's 10 ms steps: a run is ~80 ms).
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
# Needs ripgrep, aeskeyfind (apt-get install ripgrep aeskeyfind) and python3. On the shared
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
# One run of a tool: "name wall user sys" in seconds, appended to the log; output discarded.
timed() {
  python3 -c '
import resource, subprocess, sys, time
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.perf_counter()
subprocess.run(sys.argv[3:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "a") as log:
    print(sys.argv[2], wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, file=log)
' "$log" "$@"
}
# scan exits 1 when it finds key material (it does: 16 blobs are planted), rg 0; neither is an error here.
run() { prepare; timed "$@"; }
for _ in $(seq "$runs"); do
  run scan "$bin" scan "$image"
  run rg rg -c -a -F 'cryptsetup:' "$image"
done
for _ in $(seq "$aes"); do run aeskeyfind aeskeyfind -q "$image"; done

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), page cache $([ "$cold" = 1 ] && echo cold || echo warm), $(stat -c %s "$image") bytes"
python3 -c '
import statistics, sys
rows = {}
for line in open(sys.argv[2]):
    name, *t = line.split()
    rows.setdefault(name, []).append([float(x) for x in t])
size = int(sys.argv[1])
print("%-12s %4s %9s %9s %9s %8s  (medians; wall min..max)" % ("tool", "runs", "wall ms", "user ms", "sys ms", "MiB/s"))
for name, t in rows.items():
    wall, user, sys_ = (statistics.median(c) for c in zip(*t))
    walls = [x[0] for x in t]
    print(f"{name:12} {len(t):>4} {wall*1e3:>9.1f} {user*1e3:>9.1f} {sys_*1e3:>9.1f} {size / 2**20 / wall:>8.0f}  ({min(walls)*1e3:.1f}..{max(walls)*1e3:.1f})")
' "$(stat -c %s "$image")" "$log"
rm -f "$log"
