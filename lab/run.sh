#!/usr/bin/env bash
# The real-kernel lab's one entry point: installs what it needs (Debian packages), fetches Linux 7.2's source
# (cached), builds the lab kernel for each architecture asked (cached outside the work tree, keyed by source
# version and config fragments), publishes the project's Native AOT binary and runs the lab's tests, which
# boot that kernel under QEMU and compare it with the project.
#   lab/run.sh [x86_64|arm64|all] [--build-only] [-- dotnet test options]
# Default x86_64. The README's `dotnet test` runs the same tests when the kernel is cached, and skips them
# with the reason otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
which=${1:-x86_64}; shift || true
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
[ "${1:-}" = -- ] && shift
case "$which" in all) arches=(x86_64 arm64) ;; x86_64|arm64) arches=("$which") ;; *) echo "usage: lab/run.sh [x86_64|arm64|all]" >&2; exit 2 ;; esac

lab_need qemu-system-x86_64:qemu-system-x86 /bin/busybox:busybox-static keyctl:keyutils kexec:kexec-tools dmsetup:dmsetup cpio:cpio
for arch in "${arches[@]}"; do
  [ "$arch" = arm64 ] && lab_need qemu-system-aarch64:qemu-system-arm
  start=$(date +%s)
  image=$(bash "$LAB_DIR/build-kernel.sh" "$arch")
  echo "lab: $arch kernel $image ($(( $(date +%s) - start )) s)"
done
[ "$build_only" -eq 1 ] && exit 0

if [ -z "${CDC_LAB_BINARY:-}" ]; then
  bash "$REPO_DIR/eng/publish-native.sh" "$REPO_DIR/artifacts/lab/native" >/dev/null
  export CDC_LAB_BINARY="$REPO_DIR/artifacts/lab/native/crashdmcrypt"
fi
cd "$REPO_DIR"
exec dotnet test tests/CrashDmCrypt.Lab.Tests "$@"
