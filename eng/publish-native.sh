#!/usr/bin/env bash
# Publishes crashdmcrypt as one self-contained Native AOT binary (no .NET runtime needed, e.g. in a kdump
# initramfs) and checks it: zero warnings (the trim and AOT analysers are on, warnings are errors), and a
# smoke run of every command.
#
#   eng/publish-native.sh [OUT_DIR]        # default artifacts/native; the binary is OUT_DIR/crashdmcrypt
#
# It runs `dotnet publish src/Cli -c Release -r linux-x64 -p:PublishAot=true -o OUT_DIR`. The compiler
# packages (runtime.linux-x64.Microsoft.DotNet.ILCompiler, Microsoft.NETCore.App.Runtime.NativeAOT.linux-x64)
# come from the registry at the version the SDK picks: KnownILCompilerPack's ILCompilerPackVersion in the
# SDK's Microsoft.NETCoreSdk.BundledVersions.props, the runtime it ships with (10.0.12 for SDK 10.0.401,
# which the registry serves). The project names that version nowhere.
# Native AOT on Linux links with clang and needs zlib: both are installed with apt when missing.
# On the shared machine run it under the CPU lock: flock /tmp/cdc-cpu.lock eng/publish-native.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out=$(realpath -m "${1:-artifacts/native}")
rid=linux-x64

if ! command -v clang >/dev/null 2>&1 || ! [ -e /usr/include/zlib.h ]; then
  echo "== apt-get install clang zlib1g-dev (Native AOT's linker and zlib)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null
fi

echo "== dotnet publish src/Cli -c Release -r $rid -p:PublishAot=true -o $out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf "$out"
if ! dotnet publish src/Cli -c Release -r "$rid" -p:PublishAot=true -o "$out" -nologo -nodeReuse:false -p:UseSharedCompilation=false -warnaserror >"$log" 2>&1; then
  grep -E "error|warning" "$log" | sort -u | tail -30; echo "native publish failed"; exit 1
fi
if grep -qE ": warning [A-Z]+[0-9]+" "$log"; then
  grep -E ": warning [A-Z]+[0-9]+" "$log" | sort -u; echo "native publish printed warnings"; exit 1
fi
bin=$out/crashdmcrypt
[ -x "$bin" ] || { echo "no $bin"; exit 1; }
echo "$bin: $(stat -c %s "$bin") bytes (symbols stripped into crashdmcrypt.dbg)"

# Smoke run of every command in the binary; the CLI test suite (CDC_CLI_BINARY=$bin) checks them in depth.
tmp=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$tmp"' EXIT
"$bin" validate spec/vectors/one-key.bin >/dev/null
"$bin" inspect spec/vectors/two-keys.bin --json >/dev/null
"$bin" build -o "$tmp/keys.bin" --key 'svc:a=hex:00112233' >/dev/null
"$bin" cmdline 'elfcorehdr=0x2000 dmcryptkeys=0x1000' --json >/dev/null
mkdir "$tmp/configfs" && echo 0 > "$tmp/configfs/count" && echo 0 > "$tmp/configfs/reuse"
"$bin" configfs --root "$tmp/configfs" add k1 'cryptsetup:abc' >/dev/null
"$bin" simulate --json >/dev/null
"$bin" simulate --handoff dtb >/dev/null
echo "native binary: ok"
