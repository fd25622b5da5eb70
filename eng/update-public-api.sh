#!/usr/bin/env bash
# Rewrites src/<Project>/PublicAPI.Unshipped.txt from the code as it is now, for the packaged libraries
# (CrashDmCrypt.Codec and CrashDmCrypt.Kernel). Run it after any change of a public type or member, review
# the diff of the PublicAPI files with the code, and commit them together.
#
#   eng/update-public-api.sh                 # both libraries
#   eng/update-public-api.sh src/Codec       # one
#
# How: the Unshipped file is reset to its header ("#nullable enable", so every reference type carries its
# annotation: string! / string?), then the PublicApiAnalyzers' own code fix adds every public symbol that is
# not in PublicAPI.Shipped.txt (RS0016, through `dotnet format analyzers`). Added members, removed members
# and changed signatures or nullability all come out right, because nothing of the old Unshipped list
# survives. A member that is in PublicAPI.Shipped.txt but no longer in the code (RS0017) gets a
# "*REMOVED*<line>" entry, as the analyzer asks. Last, the project is built with warnings as errors, so the
# script fails if the files still disagree with the code.
#
# PublicAPI.Shipped.txt is never changed here: at a release, move the Unshipped lines into it by hand.
# The script runs dotnet; on the shared machine wrap it in the CPU lock yourself
# (flock /tmp/cdc-cpu.lock eng/update-public-api.sh); it does not take the lock, so it can run inside one.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

header='#nullable enable'
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(src/Codec src/Kernel)

for dir in "${projects[@]}"; do
  dir=${dir%/}
  csproj=$(ls "$dir"/*.csproj)
  unshipped="$dir/PublicAPI.Unshipped.txt"
  shipped="$dir/PublicAPI.Shipped.txt"
  [ -f "$shipped" ] || echo "$header" > "$shipped"
  echo "== $csproj"

  echo "$header" > "$unshipped"
  # The code fix for RS0016 appends the missing symbols to PublicAPI.Unshipped.txt. It changes no .cs file.
  log=$(mktemp)
  if ! dotnet format analyzers "$csproj" --diagnostics RS0016 --severity warn >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi


  # Symbols that are shipped but gone: the analyzer wants them marked *REMOVED* in Unshipped. Its message
  # quotes the line of the Shipped file.
  dotnet build "$csproj" -nologo -v quiet -nodeReuse:false -p:TreatWarningsAsErrors=false >"$log" 2>&1 || true
  grep -oE "RS0017: Symbol '.*' is part of the declared API" "$log" \
    | sed -E "s/^RS0017: Symbol '(.*)' is part of the declared API$/*REMOVED*\1/" | sort -u >> "$unshipped" || true
  rm -f "$log"

  # Header first, then the symbols in ordinal order, so two runs on the same code give the same file.
  { echo "$header"; grep -vxF "$header" "$unshipped" | grep -v '^$' | LC_ALL=C sort -u || true; } > "$unshipped.tmp"
  mv "$unshipped.tmp" "$unshipped"

  # The check: no RS00xx diagnostic may remain.
  if ! out=$(dotnet build "$csproj" -nologo -v quiet -nodeReuse:false -warnaserror 2>&1); then
    echo "$out" | grep -E "error|warning" | sort -u >&2
    echo "$csproj: the public API files still disagree with the code" >&2
    exit 1
  fi
  echo "$unshipped: $(grep -vcxF "$header" "$unshipped" || true) lines besides the header"
done
