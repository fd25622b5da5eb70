#!/usr/bin/env bash
# The tool as installed against the native binary: installs CrashDmCrypt.Tool from PACKAGES (eng/pack.sh's output)
# into a private tool path, then times `scan IMAGE --json` with it and with NATIVE, alternating, RUNS times each, and
# prints the medians and their ratio (issue target: the installed tool at most 1.3x the native binary).
#
#   bench/tool-vs-native.sh IMAGE [PACKAGES] [NATIVE] [RUNS]
#
# Defaults: artifacts/packages, artifacts/native/crashdmcrypt, 7 runs. Run it alone on a quiet machine (under the
# CPU lock on the shared one: flock /tmp/cdc-cpu.lock bench/tool-vs-native.sh ...); it prints the load beside the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:?image}; packages=$(realpath "${2:-artifacts/packages}"); native=$(realpath "${3:-artifacts/native/crashdmcrypt}"); runs=${4:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(dotnet msbuild src/Codec/CrashDmCrypt.Codec.csproj -nologo -getProperty:PackageVersion)
NUGET_PACKAGES="$work/nuget" dotnet tool install --tool-path "$work/tool" --add-source "$packages" --version "$version" \
  CrashDmCrypt.Tool >/dev/null
tool=$work/tool/crashdmcrypt
echo "installed: $(readlink -f "$tool")"

# Wall time of one scan in milliseconds (the exit code of scan is 1 when it finds keys: not a failure here).
time_ms() {
  local start end
  start=$(date +%s%N)
  "$1" scan "$image" --json >/dev/null || [ $? -eq 1 ]
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

"$native" scan "$image" --json >/dev/null || true   # page cache warm
t=(); n=()
for _ in $(seq "$runs"); do
  t+=("$(time_ms "$tool")"); n+=("$(time_ms "$native")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
mt=$(median "${t[@]}"); mn=$(median "${n[@]}")
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); image: $(stat -c %s "$image") bytes; runs: $runs"
echo "installed tool: median ${mt} ms (${t[*]})"
echo "native binary:  median ${mn} ms (${n[*]})"
awk -v a="$mt" -v b="$mn" 'BEGIN { printf "ratio tool/native: %.2f\n", a / b }'
