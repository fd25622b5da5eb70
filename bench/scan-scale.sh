#!/usr/bin/env bash
# Issue 23's target 4, whole process with the Native AOT binary: time against size (sparse raw images of 1 and 8 GiB:
# the 8 GiB scan within 9x the 1 GiB one; kdump-compressed dumps of 8 and 64 GiB of memory, half of it stored, 1 Mi and
# 8 Mi pages with data of their own, bench/make-large-kdump.py: the 64 GiB one within 9x the 8 GiB one), a 64 GiB sparse
# ELF dump that completes, peak RSS of each (GNU time's %M), and one core against two (taskset) on an image with keys
# (every-form search on). Timing only: no test runs this.
#
#   bench/scan-scale.sh [--bin PATH] [--runs N] [KEYED_IMAGE]
#
#   --bin PATH    a published crashdmcrypt (default artifacts/native/crashdmcrypt)
#   --runs N      repetitions of each case (default 3; medians printed)
#   KEYED_IMAGE   default /tmp/cdc-scan-adversarial-1g.raw (bench/make-scan-image.py)
#
# The sparse files are made here with truncate (no disk space used); the kdump dumps take 85 MB and 680 MB of /tmp. Needs GNU time (/usr/bin/time) and taskset.
# On the shared machine: flock /tmp/cdc-cpu.lock bench/scan-scale.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/artifacts/native/crashdmcrypt" runs=3 keyed=/tmp/cdc-scan-adversarial-1g.raw
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) keyed=$1; shift ;;
  esac
done
[ -f "$keyed" ] || python3 "$root/bench/make-scan-image.py" "$keyed"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
truncate -s 1G "$tmp/sparse-1g.raw"
truncate -s 8G "$tmp/sparse-8g.raw"
# An ELF core with one 64 GiB PT_LOAD whose bytes are a hole.
python3 - "$tmp/sparse-64g.elf" <<'PY'
import struct, sys
size = 64 << 30
header = b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack('<HHIQQQIHHHHHH', 4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 0, 0, 0)
load = struct.pack('<IIQQQQQQ', 1, 6, 4096, 0xffff880000000000, 0, size, size, 4096)
with open(sys.argv[1], 'wb') as f:
    f.write(header + load)
    f.truncate(4096 + size)
PY
python3 "$root/bench/make-large-kdump.py" "$tmp/large-8g.kdump" 8
python3 "$root/bench/make-large-kdump.py" "$tmp/large-64g.kdump" 64

echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Prints the median wall time and peak RSS of N runs of a command; the median seconds go to $tmp/NAME.
measure() {
  local key=$1 name=$2; shift 2
  for _ in $(seq "$runs"); do /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>&1 || true; tail -1 "$tmp/t"; done |
    sort -n | awk -v n="$name" -v out="$tmp/$key" '{w[NR]=$1; m[NR]=$2}
      END {i=int((NR+1)/2); printf "%-40s %8.2f s   peak RSS %7.1f MiB\n", n, w[i], m[i]/1024; print w[i] > out}'
}
measure s1 "sparse raw, 1 GiB" "$bin" scan "$tmp/sparse-1g.raw"
measure s8 "sparse raw, 8 GiB" "$bin" scan "$tmp/sparse-8g.raw"
measure e64 "sparse ELF, 64 GiB" "$bin" scan "$tmp/sparse-64g.elf"
measure k8 "kdump, 8 GiB of memory" "$bin" scan "$tmp/large-8g.kdump"
measure k64 "kdump, 64 GiB of memory" "$bin" scan "$tmp/large-64g.kdump"
measure c2 "keyed 1 GiB, 2 cores" taskset -c 0,1 "$bin" scan "$keyed"
measure c1 "keyed 1 GiB, 1 core" taskset -c 0 "$bin" scan "$keyed"
python3 - "$tmp" <<'PY'
import sys
t = {k: float(open(f"{sys.argv[1]}/{k}").read()) for k in ["s1", "s8", "e64", "k8", "k64", "c1", "c2"]}
r, k = t["s8"] / t["s1"], t["k64"] / t["k8"]
print(f"8 GiB / 1 GiB: {r:.2f}x (target <= 9x: {'met' if r <= 9 else 'MISSED'}); kdump 64 GiB / 8 GiB: {k:.2f}x "
      f"(target <= 9x: {'met' if k <= 9 else 'MISSED'}); 64 GiB ELF / 1 GiB: {t['e64'] / t['s1']:.1f}x; "
      f"1 core / 2 cores: {t['c1'] / t['c2']:.2f}x")
open(f"{sys.argv[1]}/verdict", "w").write("met" if r <= 9 and k <= 9 else "missed")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$(cat "$tmp/verdict")" = met ]
