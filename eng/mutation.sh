#!/usr/bin/env bash
# Mutation testing with Stryker.NET (the local tool dotnet-stryker, pinned in dotnet-tools.json).
#
#   eng/mutation.sh codec            # CrashDmCrypt.Codec against tests/CrashDmCrypt.Codec.Tests
#   eng/mutation.sh handoff          # src/Kernel/Handoff/** against tests/CrashDmCrypt.Kernel.Tests
#   eng/mutation.sh codec --since:main   # any further arguments go to Stryker as they are
#
# The configuration is checked in: eng/stryker/<target>.json. Reports go to StrykerOutput/<target>/reports
# (mutation-report.html to browse, mutation-report.json read below), overwritten by each run. At the end the
# script prints the score, the count of each status and every surviving or uncovered mutant, so a run can be
# compared with the table in the README's "Mutation testing" section.
#
# Stryker's score is (killed + timeout) / (killed + timeout + survived + no coverage): a mutant that makes the
# tests hang counts as killed; compile errors and ignored mutants do not count.
#
# It is slow (tens of minutes on a 2-core machine) and runs one test session at a time, at low priority, so it
# can share the machine; CI does not run it. It takes no lock: on the shared development machine run it as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

usage() {
  echo "usage: eng/mutation.sh codec|handoff [stryker arguments...]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
target=$1
shift
case "$target" in
  codec) tests=tests/CrashDmCrypt.Codec.Tests ;;
  handoff) tests=tests/CrashDmCrypt.Kernel.Tests ;;
  *) usage ;;
esac

config="$root/eng/stryker/$target.json"
output="$root/StrykerOutput/$target"
report="$output/reports/mutation-report.json"
rm -rf "$output"
dotnet tool restore > /dev/null

start=$(date +%s)
status=0
(cd "$tests" && nice -n 15 dotnet dotnet-stryker --config-file "$config" --output "$output" "$@") || status=$?
seconds=$(($(date +%s) - start))

if [ ! -f "$report" ]; then
  echo "mutation.sh: Stryker wrote no report ($report); exit code $status" >&2
  exit $((status == 0 ? 1 : status))
fi

version=$(jq -r '.tools["dotnet-stryker"].version' dotnet-tools.json)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- src tests 2>/dev/null)" ] || commit="$commit (with uncommitted changes)"
echo
echo "== mutation testing: $target; Stryker.NET $version; commit $commit; $((seconds / 60)) min $((seconds % 60)) s =="
jq -r --arg root "$root/" '
  [.files | to_entries[] | .key as $file | .value.mutants[] | . + {file: ($file | ltrimstr($root))}] as $all
  | ($all | group_by(.status) | map({key: .[0].status, value: length}) | from_entries) as $n
  | (($n.Killed // 0) + ($n.Timeout // 0)) as $detected
  | ($detected + ($n.Survived // 0) + ($n.NoCoverage // 0)) as $valid
  | "killed \($n.Killed // 0), timeout \($n.Timeout // 0), survived \($n.Survived // 0), no coverage \($n.NoCoverage // 0), compile error \($n.CompileError // 0), ignored \($n.Ignored // 0)",
    "score \(if $valid == 0 then "n/a" else ($detected * 10000 / $valid | round / 100 | tostring) + "%" end) (\($detected) of \($valid); timeouts count as killed)",
    ($all | map(select(.status == "Survived" or .status == "NoCoverage"))
      | sort_by(.file, .location.start.line, .location.start.column)[]
      | "  \(.status) \(.file):\(.location.start.line):\(.location.start.column) \(.mutatorName): \(.replacement // "" | gsub("\\s+"; " ") | .[0:100])")
' "$report"
echo "report: $output/reports/mutation-report.html"
exit "$status"
