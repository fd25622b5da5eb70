#!/usr/bin/env bash
# Runs the kernel-style C baseline (spec/reference/kstyle_bench.c) next to the C# codec and
# prints C# / C for every case (serialise and restore; 1, 16, 128 keys; LE and BE), with the
# C# floor row beside it. Both sides report the median ns per operation.
#
#   bench/compare-c.sh                 short BenchmarkDotNet job, 15 C batches (about 5 minutes)
#   bench/compare-c.sh --quick         BenchmarkDotNet --job dry and 3 C batches: checks the plumbing, not the speed
#   bench/compare-c.sh -- ARGS...      pass ARGS to BenchmarkDotNet instead of --job short
#   bench/compare-c.sh --json FILE     take the C# figures from an earlier run's JSON report
#                                      (--exporters json) instead of running BenchmarkDotNet
#   bench/compare-c.sh --c-out FILE    also keep the C program's output in FILE (for bench/chart.py --c)
#
# Issue 10's target, printed as a verdict at the end: at 128 keys, in both byte orders, Serialise_Codec_Write
# and Restore_Codec_Restore each take at most 0.5x the kernel-style C's time (exit status 1 when missed).
# Serialise_Codec_WriteValidated (a KeyBlobKeySet written without re-checking) is shown beside it, no target.
#
# Needs gcc, jq and the .NET SDK. Writes nothing into the work tree except spec/reference/build/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0
json=
cout=
job=(--job short)
while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) quick=1; job=(--job dry); shift ;;
        --json) json=${2:?--json needs a file}; shift 2 ;;
        --c-out) cout=${2:?--c-out needs a file}; shift 2 ;;
        --) shift; job=("$@"); break ;;
        -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "compare-c.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

for tool in gcc jq dotnet; do
    command -v "$tool" >/dev/null || { echo "compare-c.sh: $tool is required" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/compare-c.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The C side: built by the spec's build script when it is there, else directly with the same flags.
if [[ -x $root/spec/reference/build.sh ]]; then
    "$root/spec/reference/build.sh" kstyle_bench
    cbin=$root/spec/reference/build/kstyle_bench
else
    cbin=$work/kstyle_bench
    gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$cbin" "$root/spec/reference/kstyle_bench.c"
fi

batches=15
[[ $quick -eq 1 ]] && batches=3
echo "== kernel-style C ($cbin, $batches batches)"
"$cbin" "$batches" | tee "$work/c.txt"
[[ -n $cout ]] && cp "$work/c.txt" "$cout"

# The C# side: only the codec and floor rows of the two operations the C program does.
if [[ -z $json ]]; then
    echo "== C# (BenchmarkDotNet ${job[*]})"
    (cd "$root" && dotnet run -c Release --project bench -- \
        --filter '*Serialise_Codec_Write*' '*Serialise_Floor*' '*Restore_Codec*' '*Restore_Floor*' \
        --exporters json --artifacts "$work/bdn" "${job[@]}") > "$work/bdn.log" 2>&1 || {
        tail -40 "$work/bdn.log" >&2
        echo "compare-c.sh: the BenchmarkDotNet run failed" >&2
        exit 1
    }
    grep -E '^\|' "$work/bdn.log" || true
    json=$(find "$work/bdn/results" -name '*.json' | head -n 1)
    [[ -n $json ]] || { echo "compare-c.sh: no JSON report in $work/bdn/results" >&2; exit 1; }
else
    [[ -f $json ]] || { echo "compare-c.sh: no such file $json" >&2; exit 2; }
    echo "== C# figures from $json"
fi

# One line per C# row: method keys order median_ns.
jq -r '.Benchmarks[] | [.Method,
        (.Parameters | capture("KeyCount=(?<k>[0-9]+)").k),
        (if (.Parameters | test("BigEndian")) then "BE" else "LE" end),
        (.Statistics.Median // "NaN")] | @tsv' "$json" > "$work/cs.tsv"

echo
echo "== C# / kernel-style C (median ns per operation; below 1.00 means C# is faster)"
awk -F'\t' '
    FNR == NR { cs[$1 "|" $2 "|" $3] = $4; next }   # C# rows
    /^#/ || NF < 4 { next }                          # C header lines
    function row(name, label, floor) {
        codec = cs[name "|" keys "|" order]
        if (!header++) printf "%-20s %-2s %4s %12s %12s %12s %9s %9s %9s\n", "op", "bo", "keys", "csharp_ns", "c_ns", "floor_ns", "cs/c", "cs/floor", "c/floor"
        if (codec == "" || floor == "") { printf "%-20s %-2s %4s %12s %12.1f   (no C# row in this run)\n", label, order, keys, "-", c; return "" }
        printf "%-20s %-2s %4s %12.1f %12.1f %12.1f %9.2f %9.2f %9.2f\n", label, order, keys, codec, c, floor, codec / c, codec / floor, c / floor
        return codec / c
    }
    {
        op = $1; order = $2; keys = $3; c = $4
        floor = cs[(op == "serialise" ? "Serialise_Floor_ClearCopy" : "Restore_Floor_ClearCopy") "|" keys "|" order]
        ratio = row(op == "serialise" ? "Serialise_Codec_Write" : "Restore_Codec_Restore", op, floor)
        if (op == "serialise" && cs["Serialise_Codec_WriteValidated|" keys "|" order] != "")
            row("Serialise_Codec_WriteValidated", "serialise, validated", floor)
        if (keys == 128) {
            verdict[op " " order] = (ratio == "" ? "no C# row" : sprintf("%.2f: %s", ratio, ratio <= 0.5 ? "met" : "MISSED"))
            if (ratio == "" || ratio > 0.5) missed++
        }
    }
    END {
        printf "\n== Issue 10: C# <= 0.5x kernel-style C at 128 keys\n"
        for (k in verdict) printf "%-13s %s\n", k, verdict[k]
        exit missed > 0
    }' "$work/cs.tsv" FS='[ \t]+' "$work/c.txt"
