#!/usr/bin/env bash
# Makes every package with eng/pack.sh and checks them as a user gets them:
#  1. artifacts/packages holds exactly CrashDmCrypt.Codec and CrashDmCrypt.Kernel (each with its .snupkg), the tool's
#     pointer package CrashDmCrypt.Tool, its Native AOT packages CrashDmCrypt.Tool.linux-x64 and .linux-arm64, and the
#     framework-dependent fallback CrashDmCrypt.Tool.any (with its .snupkg), made with no warning;
#  2. tests/PackageConsumer (not in the solution) restores Codec and Kernel from artifacts/packages into a
#     private packages folder, builds a blob, reads it back and parses dmcryptkeys=, and must exit 0;
#  3. `dotnet tool install --tool-path DIR --add-source artifacts/packages CrashDmCrypt.Tool` must install the
#     linux-x64 native binary (no crashdmcrypt.dll, no JIT), and `DIR/crashdmcrypt validate spec/vectors/one-key.bin`
#     must exit 0; the fallback package's crashdmcrypt.dll must do the same under `dotnet`, and the arm64 package must
#     hold an aarch64 ELF executable.
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

# file(1) tells a native executable's machine; unzip opens the RID packages.
for tool in file unzip; do
  command -v $tool >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $tool >/dev/null; }
done

version=$(dotnet msbuild src/Codec/CrashDmCrypt.Codec.csproj -nologo -getProperty:PackageVersion)
echo "== eng/pack.sh artifacts/packages ($version)"
rm -rf artifacts/consumer artifacts/consumer-packages
if ! bash eng/pack.sh "$packages" >"$work/pack.txt" 2>&1; then
  tail -30 "$work/pack.txt"; echo "package check: pack failed"; exit 1
fi
expected=$(for id in CrashDmCrypt.Codec CrashDmCrypt.Kernel CrashDmCrypt.Tool.any; do
  echo "$id.$version.nupkg"; echo "$id.$version.snupkg"; done
  for id in CrashDmCrypt.Tool CrashDmCrypt.Tool.linux-x64 CrashDmCrypt.Tool.linux-arm64; do echo "$id.$version.nupkg"; done)
expected=$(echo "$expected" | sort)
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
installed=$(readlink -f "$work/tool/crashdmcrypt")
if ! file "$installed" | grep -q "ELF 64-bit LSB pie executable, x86-64" || [ -e "$(dirname "$installed")/crashdmcrypt.dll" ]; then
  echo "package check: the installed tool is not the linux-x64 native binary: $(file "$installed")"; exit 1
fi
echo "installed: $installed"
if ! "$work/tool/crashdmcrypt" validate spec/vectors/one-key.bin; then
  echo "package check: the installed tool did not validate spec/vectors/one-key.bin"; exit 1
fi

echo "== the other RID packages (dotnet tool install --arch is refused on Linux, so they are opened here)"
mkdir -p "$work/any" "$work/arm64"
unzip -q "$packages/CrashDmCrypt.Tool.any.$version.nupkg" -d "$work/any"
if ! dotnet "$work/any/tools/net10.0/any/crashdmcrypt.dll" validate spec/vectors/one-key.bin; then
  echo "package check: the framework-dependent fallback did not validate spec/vectors/one-key.bin"; exit 1
fi
unzip -q "$packages/CrashDmCrypt.Tool.linux-arm64.$version.nupkg" -d "$work/arm64"
if ! file "$work/arm64/tools/any/linux-arm64/crashdmcrypt" | grep -q "ELF 64-bit LSB pie executable, ARM aarch64"; then
  echo "package check: the linux-arm64 package holds no aarch64 executable"; exit 1
fi
echo "package check: ok"
