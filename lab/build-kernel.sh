#!/usr/bin/env bash
# Builds a minimal Linux 7.2 kernel for the lab: tinyconfig plus lab/config/common.config and
# lab/config/ARCH.config, with a fixed build identity so the image is reproducible. Cached outside the
# work tree in $LAB_CACHE/kernel/ARCH-VERSION-HASH (HASH of the fragments). Prints the image's path.
# Usage: lab/build-kernel.sh x86_64|arm64
set -euo pipefail
source "$(dirname "$0")/lib.sh"
arch=${1:?usage: build-kernel.sh x86_64|arm64}
case "$arch" in
  x86_64) karch=x86; cross=; image=arch/x86/boot/bzImage ;;
  arm64)  karch=arm64; cross=aarch64-linux-gnu-; image=arch/arm64/boot/Image
          lab_need aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu ;;
  *) echo "unknown architecture $arch" >&2; exit 2 ;;
esac
lab_need flex:flex bison:bison bc:bc cpio:cpio /usr/include/libelf.h:libelf-dev /usr/include/openssl/ssl.h:libssl-dev gcc:gcc make:make

src=$(bash "$LAB_DIR/fetch-source.sh")
version=$(make -s -C "$src" kernelversion)
fragments=("$LAB_DIR/config/common.config" "$LAB_DIR/config/$arch.config")
hash=$(cat "${fragments[@]}" "$LAB_DIR/build-kernel.sh" | sha256sum | cut -c1-12)
out="$LAB_CACHE/kernel/$arch-$version-$hash"
if [ -f "$out/image" ]; then echo "$out/image"; exit 0; fi

build="$LAB_CACHE/build/$arch-$version-$hash"
mkdir -p "$build"
export KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" KBUILD_BUILD_USER=crashdmcrypt KBUILD_BUILD_HOST=lab KBUILD_BUILD_VERSION=1
mk() { make -s -C "$src" O="$build" ARCH="$karch" CROSS_COMPILE="$cross" "$@"; }
mk tinyconfig >&2
cat "${fragments[@]}" >> "$build/.config"
mk olddefconfig >&2
mk olddefconfig >&2
# Every wanted option must have survived olddefconfig (a missing dependency drops one silently).
lost=0
while IFS= read -r line; do
  case "$line" in CONFIG_*=*) grep -qxF "$line" "$build/.config" || { echo "lab: $line did not survive olddefconfig" >&2; lost=1; } ;; esac
done < <(cat "${fragments[@]}")
[ "$lost" -eq 0 ] || exit 1
start=$(date +%s)
mk -j"$(nproc)" "$(basename "$image")" >&2
echo "lab: $arch kernel $version built in $(( $(date +%s) - start )) s" >&2
mkdir -p "$out"
cp "$build/$image" "$out/image.tmp" && mv "$out/image.tmp" "$out/image"
cp "$build/.config" "$out/config"
echo "$out/image"
