#!/usr/bin/env bash
# One-command AFL++ campaign for one CrashDmCrypt fuzz target.
#
#   src/Fuzz/fuzz.sh TARGET SECONDS [extra afl-fuzz options...]
#
# TARGET is reader, restore, writer, cmdline or dtb; selftest-overread
# is a planted over-read that must be found as a crash (it checks the pipeline, and exits 1 by design).
# Installs afl++ (Debian) and the SharpFuzz instrumenter (local dotnet tool) when missing, publishes the
# fuzz program (Release) into its own folder, instruments only the assemblies under test, runs afl-fuzz
# with the target's corpus, regressions and dictionary for SECONDS, prints the figures from fuzzer_stats,
# replays every crash and hang with its stack trace, and exits 1 when anything was found.
#
# Environment: CDC_FUZZ_WORK (default <repo>/.fuzz) holds <target>/{publish,in,out}; each target has its own
# folder, so several targets can run side by side. CDC_FUZZ_RESUME=1 continues the previous out/ folder.
# CDC_FUZZ_OUT_OF_PROCESS=1 uses SharpFuzz's out-of-process loop: about five times slower, but it keeps fuzzing
# after a hang or an access violation (the default in-process loop stops there; this script then replays the input).
set -euo pipefail

usage() {
    echo "usage: $0 reader|restore|writer|cmdline|dtb|dump-elf|dump-kdump|dump-flattened|dump-lime|dump-forms|snappy-page SECONDS [afl-fuzz options...]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
target=$1
seconds=$2
shift 2
case $seconds in '' | *[!0-9]*) usage ;; esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

case $target in
    reader | restore | writer | selftest-overread) instrument=(CrashDmCrypt.Codec.dll) ;;
    cmdline | dtb) instrument=(CrashDmCrypt.Codec.dll CrashDmCrypt.Kernel.dll) ;;
    dump-elf | dump-kdump | dump-flattened | dump-lime | dump-forms | snappy-page) instrument=(CrashDmCrypt.Dumps.dll) ;;
    *) usage ;;
esac

work=${CDC_FUZZ_WORK:-$root/.fuzz}/$target
publish=$work/publish
seeds=$work/in
out=$work/out

log() { printf '[fuzz.sh %s] %s\n' "$target" "$*"; }

# --- tools -------------------------------------------------------------------------------------------
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if ! command -v afl-fuzz >/dev/null 2>&1; then
    log "installing afl++"
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends afl++ >/dev/null 2>&1; then
        "${sudo_cmd[@]}" apt-get update -qq
        "${sudo_cmd[@]}" apt-get install -y --no-install-recommends afl++ >/dev/null
    fi
fi
(cd "$root" && dotnet tool restore >/dev/null)

# --- publish, then instrument (a later build would copy the uninstrumented DLL back) -------------------
log "publishing to $publish"
rm -rf "$publish"
CDC_ARTIFACTS="$work/artifacts" dotnet publish "$here/CrashDmCrypt.Fuzz.csproj" -c Release -o "$publish" -nologo -v quiet >/dev/null
for dll in "${instrument[@]}"; do
    log "instrumenting $dll"
    (cd "$root" && dotnet tool run sharpfuzz "$publish/$dll" >/dev/null)
done

# --- seeds: corpus and regressions (AFL skips empty files, so they are left out) -----------------------
rm -rf "$seeds"
mkdir -p "$seeds"
for dir in "$here/corpus/$target" "$here/regressions/$target"; do
    [ -d "$dir" ] || continue
    find "$dir" -type f -size +0 ! -name '*.md' -print0 | while IFS= read -r -d '' f; do
        cp "$f" "$seeds/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
done
[ -n "$(ls -A "$seeds")" ] || printf 'seed' >"$seeds/minimal"

# --- fuzz ----------------------------------------------------------------------------------------------
export AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=${AFL_NO_AFFINITY:-1}
input=(-i "$seeds")
if [ "${CDC_FUZZ_RESUME:-0}" = 1 ] && [ -d "$out/default" ]; then
    input=(-i -)
else
    rm -rf "$out"
fi
dict=()
[ -f "$here/dict/$target.dict" ] && dict=(-x "$here/dict/$target.dict")

log "afl-fuzz for ${seconds}s (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
status=0
afl-fuzz "${input[@]}" -o "$out" "${dict[@]}" -V "$seconds" -m none -t "${CDC_FUZZ_TIMEOUT_MS:-2000}" "$@" \
    -- "$publish/CrashDmCrypt.Fuzz" "$target" >"$work/afl.log" 2>&1 || status=$?
if [ $status -ne 0 ]; then
    tail -n 25 "$work/afl.log" >&2
    log "afl-fuzz exited with $status"
    # In process, an access violation or a hang takes the fork server down with it; the input that did it
    # is still in AFL's .cur_input. Keep it and replay it with its stack trace.
    cur=$(find "$out" -name .cur_input -type f 2>/dev/null | head -n 1)
    if [ -n "$cur" ] && grep -q 'fork server' "$work/afl.log"; then
        mkdir -p "$work/findings"
        copy="$work/findings/forkserver-died-$(date -u +%Y%m%dT%H%M%SZ)"
        cp "$cur" "$copy"
        echo "=== the fork server died on: $copy"
        rc=0
        timeout 20 "$publish/CrashDmCrypt.Fuzz" "$target" "$copy" </dev/null || rc=$?
        echo "=== replay exit status $rc (1 = invariant broken; 134 = runtime abort, e.g. AccessViolationException at a guard page; 124 = still hanging after 20 s)"
    fi
    exit 1
fi

# --- figures ---------------------------------------------------------------------------------------------
stats=$out/default/fuzzer_stats
[ -f "$stats" ] || stats=$(find "$out" -name fuzzer_stats | head -n 1)
stat_of() { awk -F: -v k="$1" '{ gsub(/ /, "", $1) } $1 == k { gsub(/^ +/, "", $2); print $2 }' "$stats"; }
crashes=$(find "$out" -path '*/crashes/id:*' -type f | wc -l)
hangs=$(find "$out" -path '*/hangs/id:*' -type f | wc -l)
echo "target:      $target"
echo "run time:    $(stat_of run_time)s"
echo "execs:       $(stat_of execs_done)"
echo "exec/s:      $(stat_of execs_per_sec)"
echo "edges found: $(stat_of edges_found) of $(stat_of total_edges)"
echo "corpus:      $(stat_of corpus_count)"
echo "crashes:     $crashes"
echo "hangs:       $hangs"

# --- replay findings with their stack traces -------------------------------------------------------------
if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    mkdir -p "$work/findings"
    find "$out" \( -path '*/crashes/id:*' -o -path '*/hangs/id:*' \) -type f -print0 | while IFS= read -r -d '' f; do
        kind=$(basename "$(dirname "$f")")
        copy="$work/findings/$kind-$(basename "$f" | tr -c 'A-Za-z0-9._-' '_')"
        cp "$f" "$copy"
        echo "=== $kind: $copy"
        rc=0
        timeout 20 "$publish/CrashDmCrypt.Fuzz" "$target" "$f" </dev/null || rc=$?
        echo "=== replay exit status $rc (1 = invariant broken; 134 = runtime abort, e.g. AccessViolationException at a guard page; 124 = still hanging after 20 s)"
    done
    log "FAILED: $crashes crash(es), $hangs hang(s); inputs copied to $work/findings"
    exit 1
fi
log "ok: no crashes, no hangs"
