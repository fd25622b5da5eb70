#!/usr/bin/env bash
# Reads a BenchmarkDotNet JSON report of this suite (--exporters json) and prints, per codec row and case, its
# median against the floor and the naive row, the bytes it allocated, and issue 10's targets met or missed.
# Compare against the kernel-style C (the other half of issue 10's targets) with bench/compare-c.sh.
#
#   bench/targets.sh BenchmarkDotNet.Artifacts/results/CrashDmCrypt.Bench.KeyBlobBenchmarks-report-full-compressed.json
#
# Targets (128 keys, both byte orders, ratios within the one run):
#   Serialise_Codec_Write           <= 1.5x Serialise_Floor_ClearCopy   (every rule checked, then every byte written)
#   Read_Codec_TryReadEnumerate     <= 2x   Read_Floor_ScanOnce          (strict read and enumerate)
#   Read_Codec_KernelModeEnumerate  <= 1.3x Read_Floor_ScanOnce
#   Restore_Codec_Restore           <= 2x   Restore_Floor_ClearCopy      (strict)
#   every codec row, every case: 0 bytes allocated
# The other codec rows (Serialise_Codec_WriteValidated, Serialise_Codec_ValidateOnly) are shown against the
# floor with no target. Exits 1 when a target is missed, 0 when all are met. Needs jq.
set -euo pipefail

json=${1:?usage: bench/targets.sh REPORT.json}
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
        limit["Serialise_Codec_Write"] = 1.5
        limit["Read_Codec_TryReadEnumerate"] = 2
        limit["Read_Codec_KernelModeEnumerate"] = 1.3
        limit["Restore_Codec_Restore"] = 2
        printf "%-31s %4s %-2s %11s %8s %8s %8s  %s\n", "row", "keys", "bo", "median_ns", "x_floor", "naive_x", "alloc_B", "issue 10 targets"
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
