#!/usr/bin/env bash
# Makes every package of the project into OUT_DIR (default artifacts/packages):
#   CrashDmCrypt.Codec, CrashDmCrypt.Kernel            the libraries, each with its .snupkg
#   CrashDmCrypt.Tool                                  the dotnet tool: names the RID-specific packages below
#   CrashDmCrypt.Tool.linux-x64, .linux-arm64          Native AOT, the same binary as eng/publish-native.sh
#   CrashDmCrypt.Tool.any                              framework-dependent, for every other platform (.snupkg too)
# `dotnet tool install CrashDmCrypt.Tool` picks the package for the machine (.NET 10 SDK RID-specific tools), so on
# linux-x64 and linux-arm64 users get the native binary, with no JIT start-up.
#
#   eng/pack.sh [OUT_DIR]
#
# The arm64 binary is cross-compiled: Native AOT links with clang --target=aarch64-linux-gnu against the sysroot of
# Debian's gcc-aarch64-linux-gnu (libc6-dev-arm64-cross); all of it is installed with apt when missing.
# Warnings are errors. On the shared machine run it under the CPU lock: flock /tmp/cdc-cpu.lock eng/pack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out=$(realpath -m "${1:-artifacts/packages}")

need=()
command -v clang >/dev/null 2>&1 || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/lib/crt1.o ] || need+=(libc6-dev-arm64-cross)   # the directory alone is the runtime package
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]} (Native AOT's linker, and the arm64 cross sysroot)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf "$out"

# One pack step: fails on an error or a warning, and says which step.
pack() {
  local what=$1; shift
  echo "== dotnet pack $what"
  if ! dotnet pack "$@" -c Release -o "$out" -nologo -nodeReuse:false -warnaserror -p:UseSharedCompilation=false \
      -p:ContinuousIntegrationBuild=true >"$log" 2>&1; then
    grep -E "error|warning" "$log" | sort -u | tail -30; echo "pack.sh: $what failed"; exit 1
  fi
  if grep -qiE ": warning [A-Z]+[0-9]+" "$log"; then
    grep -iE ": warning [A-Z]+[0-9]+" "$log" | sort -u; echo "pack.sh: $what printed warnings"; exit 1
  fi
}

pack "CrashDmCrypt.sln (libraries and the tool's pointer package)" CrashDmCrypt.sln
pack "src/Cli -r any" src/Cli -r any
for rid in linux-x64 linux-arm64; do
  pack "src/Cli -r $rid" src/Cli -r "$rid" -p:NativeToolPackage=true
done
ls "$out"
