#!/usr/bin/env bash
# Reads a BenchmarkDotNet JSON report of this suite (--exporters json) and prints, per case, the
# codec's median against the floor and the naive row, the bytes it allocated, and issue 4's
# targets met or missed. Compare against the kernel-style C with bench/compare-c.sh.
#
#   bench/targets.sh BenchmarkDotNet.Artifacts/results/CrashDmCrypt.Bench.KeyBlobBenchmarks-report-full-compressed.json
#
# Targets: serialise 128 keys <= 1.5x floor, restore 128 keys <= 2x floor, naive / codec >= 5
# on serialise and restore, 0 bytes allocated by every codec row. Needs jq.
set -euo pipefail

json=${1:?usage: bench/targets.sh REPORT.json}
command -v jq >/dev/null || { echo "targets.sh: jq is required" >&2; exit 2; }

jq -r '
  def key: (.Parameters | capture("KeyCount=(?<k>[0-9]+)").k | tonumber) as $k
           | (if (.Parameters | test("BigEndian")) then "BE" else "LE" end) as $o
           | (.Method | split("_")) as $m
           # The diagnostic rows (ValidateOnly, KernelModeEnumerate) explain the codec rows; no target applies.
           | (if $m[1] == "Codec" and ($m[2] == "ValidateOnly" or $m[2] == "KernelModeEnumerate") then "Diagnostic" else $m[1] end) as $kind
           | {op: $m[0], kind: $kind, keys: $k, order: $o};
  [.Benchmarks[] | key + {median: .Statistics.Median, bytes: .Memory.BytesAllocatedPerOperation}]
  | group_by([.op, .keys, .order])[]
  | (map({(.kind): .}) | add) as $g
  | select($g.Codec != null)
  | [$g.Codec.op, ($g.Codec.keys | tostring), $g.Codec.order,
     ($g.Codec.median | floor | tostring),
     (if $g.Floor then ($g.Codec.median / $g.Floor.median * 100 | round / 100 | tostring) else "-" end),
     (if $g.Naive then ($g.Naive.median / $g.Codec.median * 100 | round / 100 | tostring) else "-" end),
     ($g.Codec.bytes | tostring),
     (if $g.Naive then ($g.Naive.bytes | tostring) else "-" end)]
  | @tsv' "$json" |
awk -F'\t' '
    BEGIN {
        printf "%-9s %4s %-2s %11s %9s %9s %9s %9s  %s\n", "op", "keys", "bo", "codec_ns", "x_floor", "naive_x", "codec_B", "naive_B", "targets"
        limit["Serialise"] = 1.5; limit["Restore"] = 2
    }
    {
        verdict = ""
        if ($7 != 0) verdict = verdict " alloc:MISSED"
        if ($1 in limit) {
            if ($2 == 128 && $5 != "-") verdict = verdict sprintf(" floor<=%.1f:%s", limit[$1], ($5 <= limit[$1] ? "met" : "MISSED"))
            if ($6 != "-") verdict = verdict sprintf(" naive>=5:%s", ($6 >= 5 ? "met" : "MISSED"))
        }
        printf "%-9s %4s %-2s %11s %9s %9s %9s %9s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, verdict
    }'
