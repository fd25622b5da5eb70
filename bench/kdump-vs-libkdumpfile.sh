#!/usr/bin/env bash
# Issue 23's target 1, whole process: the Native AOT `crashdmcrypt scan DUMP --json` (blob scan, then every form of
# every key found, then copies outside memory: the audit as the CLI runs it) against libkdumpfile merely reading every
# page of the same kdump-compressed dump (bench/read-kdump.c, built here with gcc), for zlib, LZO, snappy and zstd
# pages. Runs interleaved (scan, reader, scan, reader, ...) so that a change in load hits both alike, page cache warm.
# Prints the medians, the ratio scan/libkdumpfile per compression and the verdict (scan <= 0.35x). Timing only: no
# test runs this.
#
#   bench/kdump-vs-libkdumpfile.sh [--runs N] [--bin PATH] [--mib N] [--raw IMAGE] [--dump FILE ...]
#
#   --runs N     repetitions of each tool per dump (default 7)
#   --bin PATH   a published crashdmcrypt (default artifacts/native/crashdmcrypt: eng/publish-native.sh)
#   --mib N      memory per dump, the first N MiB of the raw image (default 512)
#   --raw IMAGE  default /tmp/cdc-scan-1g.raw (tests/CrashDmCrypt.Dumps.Tests/bench/make-image.py: 16 KiB runs of
#                random, text, small integers and zeros, a golden-vector blob in every 64th MiB), made when missing
#   --dump FILE  time this kdump-compressed file instead (repeatable): makedumpfile's own dumps of the real-kernel
#                lab's memory, kept by `CDC_LAB_KEEP_DUMPS=DIR lab/run.sh x86_64 -- --filter
#                FullyQualifiedName~MakedumpfileTests` (zlib and LZO, -d 31 and every page); pages makedumpfile
#                excluded are not in the dump, and libkdumpfile is timed asking for them all the same
#
# The dumps, /tmp/cdc-kdump-<method>-<N>m.kdump, are written by bench/make-kdump.py from the raw image when missing
# (makedumpfile's layout and compressors; Debian's makedumpfile has snappy and zstd disabled) and reused after.
# 512 MiB of the default image hold 8 blobs (keys of 16 to 64 bytes), so every scan does the every-form search.
# Needs gcc and libkdumpfile-dev (apt-get install gcc libkdumpfile-dev), liblzo2-2, libsnappy1v5, libzstd1.
# On the shared machine: flock /tmp/cdc-cpu.lock bench/kdump-vs-libkdumpfile.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs=7 bin="$root/artifacts/native/crashdmcrypt" mib=512 raw=/tmp/cdc-scan-1g.raw given=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --raw) raw=$2; shift 2 ;;
    --dump) given+=("$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "no $bin: run eng/publish-native.sh first" >&2; exit 2; }
[ -f /usr/include/libkdumpfile/kdumpfile.h ] || { echo "needs libkdumpfile-dev (apt-get install libkdumpfile-dev)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -Werror -o "$work/read-kdump" "$root/bench/read-kdump.c" -lkdumpfile
dumps=() labels=()
if [ ${#given[@]} -gt 0 ]; then
  for dump in "${given[@]}"; do dumps+=("$dump"); labels+=("$(basename "$dump" .kdump)"); done
else
  [ -f "$raw" ] || python3 "$root/tests/CrashDmCrypt.Dumps.Tests/bench/make-image.py" "$raw"
  for method in zlib lzo snappy zstd; do
    dump=/tmp/cdc-kdump-$method-${mib}m.kdump
    if [ ! -f "$dump" ]; then
      python3 "$root/bench/make-kdump.py" "$raw" "$dump.part" "$method" "$mib"
      mv "$dump.part" "$dump"
    fi
    dumps+=("$dump"); labels+=("$method")
  done
fi

echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), ${#dumps[@]} dumps"
echo "libkdumpfile $(dpkg-query -W -f '${Version}' libkdumpfile10 2>/dev/null || echo '?'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
missed=0
for i in "${!dumps[@]}"; do
  dump=${dumps[$i]}
  # Both must see the whole dump: the reader every page (of a dump made here; makedumpfile's leave pages out), the scan
  # a finding (the planted blobs; the lab's volume key blob).
  "$work/read-kdump" "$dump" > "$work/read.txt"
  [ ${#given[@]} -gt 0 ] || grep -q " 0 not in the dump" "$work/read.txt" || { echo "$dump: libkdumpfile did not read every page" >&2; exit 1; }
  bytes=$(awk '{print $1 * $NF}' "$work/read.txt")   # pages read times the page size
  "$bin" scan "$dump" --json > "$work/scan.json" || [ $? -eq 1 ]
  grep -q '"findingCount": *[1-9]' "$work/scan.json" || { echo "$dump: the scan found nothing" >&2; exit 1; }
  python3 "$root/bench/interleave.py" "$runs" "$dump" scan "$bin scan $dump --json" libkdumpfile "$work/read-kdump $dump" \
    | python3 -c '
import sys
rows = {name: [float(x) for x in t] for name, *t in (line.split() for line in sys.stdin)}
(scan, lo, hi), (lib, llo, lhi) = rows["scan"], rows["libkdumpfile"]
ratio = scan / lib
label, size, paged = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"{label:6} ({size / 2**20:.0f} MiB file, {paged / 2**20:.0f} MiB of pages): scan {scan*1e3:.0f} ms ({lo*1e3:.0f}..{hi*1e3:.0f}, "
      f"{paged / 2**30 / scan:.2f} GiB/s), libkdumpfile {lib*1e3:.0f} ms ({llo*1e3:.0f}..{lhi*1e3:.0f}), scan/libkdumpfile {ratio:.2f}: "
      + ("met" if ratio <= 0.35 else "MISSED") + " (target <= 0.35)")
sys.exit(0 if ratio <= 0.35 else 1)
' "${labels[$i]}" "$(stat -c %s "$dump")" "$bytes" || missed=1
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $missed
