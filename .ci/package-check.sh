#!/usr/bin/env bash
# Packs the solution and checks the packages as a user gets them:
#  1. `dotnet pack CrashDmCrypt.sln -c Release -o artifacts/packages` gives exactly CrashDmCrypt.Codec,
#     CrashDmCrypt.Kernel and CrashDmCrypt.Tool (each with its .snupkg), with no warning;
#  2. tests/PackageConsumer (not in the solution) restores Codec and Kernel from artifacts/packages into a
#     private packages folder, builds a blob, reads it back and parses dmcryptkeys=, and must exit 0;
#  3. `dotnet tool install --tool-path DIR --add-source artifacts/packages CrashDmCrypt.Tool`, then
#     `DIR/crashdmcrypt validate spec/vectors/one-key.bin` must exit 0.
# Exits 0 only if all three hold. Every restore goes to a fresh private folder, so a re-pack of the same
# version is what gets tested, never a copy that ~/.nuget/packages kept from an earlier pack.
# On the shared machine run it under the CPU lock: flock /tmp/cdc-cpu.lock .ci/package-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
root=$PWD
packages=$root/artifacts/packages
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(dotnet msbuild src/Codec/CrashDmCrypt.Codec.csproj -nologo -getProperty:PackageVersion)
echo "== pack CrashDmCrypt.sln ($version)"
rm -rf "$packages" artifacts/consumer artifacts/consumer-packages
if ! dotnet pack CrashDmCrypt.sln -c Release -o "$packages" -nologo -nodeReuse:false -warnaserror \
    -p:ContinuousIntegrationBuild=true >"$work/pack.txt" 2>&1; then
  tail -30 "$work/pack.txt"; echo "package check: pack failed"; exit 1
fi
if grep -qiE ": warning [A-Z]+[0-9]+" "$work/pack.txt"; then
  grep -iE ": warning [A-Z]+[0-9]+" "$work/pack.txt" | sort -u; echo "package check: pack printed warnings"; exit 1
fi
expected=$(for id in CrashDmCrypt.Codec CrashDmCrypt.Kernel CrashDmCrypt.Tool; do
  echo "$id.$version.nupkg"; echo "$id.$version.snupkg"; done | sort)
actual=$(ls "$packages" | sort)
if [ "$actual" != "$expected" ]; then
  echo "package check: artifacts/packages holds"; echo "$actual"; echo "expected"; echo "$expected"; exit 1
fi
echo "$actual"

echo "== consumer: tests/PackageConsumer against the packages"
if ! dotnet run --project tests/PackageConsumer -c Release -nodeReuse:false -p:CrashDmCryptVersion="$version" \
    >"$work/consumer.txt" 2>&1; then
  cat "$work/consumer.txt"; echo "package check: consumer failed"; exit 1
fi
tail -1 "$work/consumer.txt"

echo "== dotnet tool install CrashDmCrypt.Tool $version"
if ! NUGET_PACKAGES="$work/tool-packages" dotnet tool install --tool-path "$work/tool" --add-source "$packages" \
    --version "$version" CrashDmCrypt.Tool >"$work/tool.txt" 2>&1; then
  cat "$work/tool.txt"; echo "package check: tool install failed"; exit 1
fi
if ! "$work/tool/crashdmcrypt" validate spec/vectors/one-key.bin; then
  echo "package check: the installed tool did not validate spec/vectors/one-key.bin"; exit 1
fi
echo "package check: ok"
