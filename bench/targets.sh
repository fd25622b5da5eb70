#!/usr/bin/env bash
# Reads a BenchmarkDotNet JSON report of this suite (--exporters json) and prints, per codec row and case, its
# median against the floor and the naive row, the bytes it allocated, and issue 10's targets met or missed.
# Compare against the kernel-style C (the other half of issue 10's targets) with bench/compare-c.sh.
#
#   bench/targets.sh BenchmarkDotNet.Artifacts/results/CrashDmCrypt.Bench.KeyBlobBenchmarks-report-full-compressed.json
#
# The hot path (issue 23 restates issue 10's targets as a regression guard; no new work on them), 128 keys, both
# byte orders, ratios within the one run:
#   Serialise_Codec_WriteValidated  <= 1.5x Serialise_Floor_ClearCopy   (KeyBlobKeySet.Write, the validated key set)
#   Read_Codec_TryReadEnumerate     <= 7x   Read_Floor_ScanOnce          (strict read and enumerate)
#   every codec row, every case: 0 bytes allocated
# and against the kernel-style C (bench/compare-c.sh): KeyBlobKeySet.Write <= 0.5x the C; the every-rule
# KeyBlobWriter.Write <= 1.6x the C; restore <= 2x the C. The other codec rows are shown against the floor with no
# target. Exits 1 when a target is missed, 0 when all are met. Needs jq.
#
# Issue 23's dump targets are whole-process ratios, checked by their own scripts (exit status 1 when missed):
#   bench/targets.sh --dumps    runs the three, with the native binary in artifacts/native (eng/publish-native.sh):
#   target 1  bench/kdump-vs-libkdumpfile.sh  kdump zlib/LZO/snappy/zstd, every form on, <= 0.35x libkdumpfile reading
#                                             every page of the same dump
#   target 2  bench/scan-vs-rg.sh     raw scan, every form on, <= 1.0x rg -c -a -F on the same 1 GiB image
#   target 4  bench/scan-scale.sh     8 GiB sparse <= 9x 1 GiB; a 64 GiB sparse ELF completes; peak RSS; 1 vs 2 cores
set -euo pipefail

if [ "${1:-}" = --dumps ]; then
  here="$(cd "$(dirname "$0")" && pwd)"
  status=0
  "$here/kdump-vs-libkdumpfile.sh" || status=1
  "$here/scan-vs-rg.sh" || status=1
  "$here/scan-scale.sh" || status=1
  exit $status
fi
json=${1:?usage: bench/targets.sh REPORT.json | bench/targets.sh --dumps}
command -v jq >/dev/null || { echo "targets.sh: jq is required" >&2; exit 2; }

jq -r '
  def case: (.Parameters | capture("KeyCount=(?<k>[0-9]+)").k | tonumber) as $k
            | (if (.Parameters | test("BigEndian")) then "BE" else "LE" end) as $o
            | (.Method | split("_")) as $m
            | {method: .Method, op: $m[0], kind: $m[1], keys: $k, order: $o,
               median: .Statistics.Median, bytes: .Memory.BytesAllocatedPerOperation};
  [.Benchmarks[] | case]
  | group_by([.op, .keys, .order])[]
  | (map(select(.kind == "Floor"))[0]) as $floor
  | (map(select(.kind == "Naive"))[0]) as $naive
  | .[] | select(.kind == "Codec")
  | [.method, (.keys | tostring), .order, (.median | floor | tostring),
     (if $floor then (.median / $floor.median * 100 | round / 100 | tostring) else "-" end),
     (if $naive then ($naive.median / .median * 100 | round / 100 | tostring) else "-" end),
     (.bytes | tostring)]
  | @tsv' "$json" |
awk -F'\t' '
    BEGIN {
        limit["Serialise_Codec_WriteValidated"] = 1.5
        limit["Read_Codec_TryReadEnumerate"] = 7
        printf "%-31s %4s %-2s %11s %8s %8s %8s  %s\n", "row", "keys", "bo", "median_ns", "x_floor", "naive_x", "alloc_B", "hot-path targets"
        missed = 0; checked = 0
    }
    {
        verdict = ""
        if ($7 != 0) { verdict = verdict " alloc=0:MISSED"; missed++ } else verdict = verdict " alloc=0:met"
        checked++
        if (($1 in limit) && $2 == 128) {
            if ($5 == "-") verdict = verdict " (no floor row in this run)"
            else {
                ok = ($5 + 0 <= limit[$1])
                verdict = verdict sprintf(" floor<=%sx:%s", limit[$1], ok ? "met" : "MISSED")
                if (!ok) missed++
                checked++
            }
        }
        printf "%-31s %4s %-2s %11s %8s %8s %8s %s\n", $1, $2, $3, $4, $5, $6, $7, verdict
    }
    END {
        printf "\n%d of %d checks missed (floor ratios at 128 keys, allocation everywhere); the C targets: bench/compare-c.sh --json REPORT\n", missed, checked
        exit missed > 0
    }'
