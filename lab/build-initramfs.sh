#!/usr/bin/env bash
# Builds the lab's two initramfs images for ARCH from Debian's binaries (busybox-static, keyutils, kexec-tools,
# dmsetup, with the libraries ldd names), the lab's static helper (guest/labtool.c) and the project's
# Native AOT crashdmcrypt:
#   OUT/kdump.cpio.gz  the crash kernel's image (an initramfs cannot contain itself, so it is the smaller one)
#   OUT/first.cpio.gz  the first kernel's image; it carries /kdump/kernel and /kdump/initrd for kexec
# On arm64 the guests get Debian's arm64 busybox-static, the helper cross-compiled static (labtool covers
# keyctl's and kexec's part there: add_key, kexec_file_load) and, when CRASHDMCRYPT_BINARY is an aarch64
# executable, that binary with the loader and libc/libm of Debian's arm64 cross sysroot.
# Usage: lab/build-initramfs.sh x86_64|arm64 OUT CRASHDMCRYPT_BINARY KERNEL_IMAGE
set -euo pipefail
source "$(dirname "$0")/lib.sh"
arch=${1:?arch}; out=${2:?out}; cdc=${3:?crashdmcrypt binary}; kernel=${4:?kernel image}
case "$arch" in
  x86_64) lab_need /bin/busybox:busybox-static keyctl:keyutils kexec:kexec-tools dmsetup:dmsetup cpio:cpio gcc:gcc
          busybox=/bin/busybox; cc=gcc ;;
  arm64)  lab_need /bin/busybox:busybox-static aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu /usr/aarch64-linux-gnu/include/stdio.h:libc6-dev-arm64-cross cpio:cpio file:file
          busybox=$(bash "$LAB_DIR/fetch-arm64-busybox.sh"); cc=aarch64-linux-gnu-gcc ;;
  *) echo "build-initramfs.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies binaries and the shared libraries ldd names (and the dynamic loader) into a root.
add_bins() {
  local root=$1; shift
  local b lib
  for b in "$@"; do
    install -D -m 0755 "$b" "$root/bin/$(basename "$b")"
    for lib in $(ldd "$b" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' || true); do
      [ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
    done
  done
}

make_root() {
  local root=$1; shift
  mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,root}
  install -m 0755 "$busybox" "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"; done
  install -m 0755 "$LAB_DIR/guest/init" "$root/init"
  "$cc" -static -O2 -Wall -o "$root/bin/labtool" "$LAB_DIR/guest/labtool.c"
  if [ "$arch" = x86_64 ]; then add_bins "$root" "$cdc" "$@"; fi
  if [ "$arch" = arm64 ] && file "$cdc" | grep -q "ARM aarch64"; then
    install -D -m 0755 "$cdc" "$root/bin/crashdmcrypt"
    local lib
    for lib in ld-linux-aarch64.so.1 libc.so.6 libm.so.6; do
      install -D -m 0755 "$(readlink -f /usr/aarch64-linux-gnu/lib/$lib)" "$root/lib/$lib"
    done
  fi
}

pack() { (cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -n -6 > "$2"; }

# The applet list comes from the host's busybox: the arm64 one cannot run here (no qemu-user); same version.
make_root "$work/kdump" /usr/bin/keyctl
pack "$work/kdump" "$out/kdump.cpio.gz"
make_root "$work/first" /usr/bin/keyctl /usr/sbin/kexec /usr/sbin/dmsetup
mkdir -p "$work/first/kdump"
cp "$kernel" "$work/first/kdump/kernel"
cp "$out/kdump.cpio.gz" "$work/first/kdump/initrd"
pack "$work/first" "$out/first.cpio.gz"
ls -l "$out" >&2
