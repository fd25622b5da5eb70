#!/usr/bin/env bash
# Builds the C reference programs into spec/reference/build/ (gitignored).
#
#   spec/reference/build.sh                 build everything: dmcrypt_ref, and kstyle_bench if kstyle_bench.c exists
#   spec/reference/build.sh dmcrypt_ref     build only the named program(s)
#
# Safe when several processes run it at once: each compiles to its own temporary
# file and renames it over the target, so a reader only ever sees a whole binary.
# A binary newer than its source, dm_crypt_keys.h and this script is left alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/build"
cc=${CC:-gcc}
cflags=(-std=c11 -O2 -Wall -Wextra -Werror)

build_one() {
    local name=$1 src="$here/$1.c" bin="$out/$1"
    if [[ ! -f $src ]]; then
        echo "build.sh: no source $src" >&2
        return 1
    fi
    if [[ -f $bin && $bin -nt $src && $bin -nt $here/dm_crypt_keys.h && $bin -nt ${BASH_SOURCE[0]} ]]; then
        return 0
    fi
    mkdir -p "$out"
    local tmp
    tmp=$(mktemp "$out/.$name.XXXXXX")
    if "$cc" "${cflags[@]}" -o "$tmp" "$src"; then
        mv -f "$tmp" "$bin"
    else
        rm -f "$tmp"
        echo "build.sh: $name failed to compile" >&2
        return 1
    fi
}

if [[ $# -eq 0 ]]; then
    targets=(dmcrypt_ref)
    [[ -f $here/kstyle_bench.c ]] && targets+=(kstyle_bench)
else
    targets=("$@")
fi

for t in "${targets[@]}"; do
    build_one "$t"
done
