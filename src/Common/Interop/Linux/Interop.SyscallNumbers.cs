using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>The keyring syscall numbers of this process's architecture, or null where they are not known.</summary>
        internal static readonly KeyringSyscallNumbers? KeyringSyscalls = KeyringSyscallsFor(RuntimeInformation.ProcessArchitecture);

        /// <summary>
        /// The numbers of <c>add_key</c>, <c>request_key</c> and <c>keyctl</c> in each architecture's syscall table, or
        /// null for an architecture not listed: arch/x86/entry/syscalls/syscall_64.tbl:260-262 and syscall_32.tbl:301-303,
        /// include/uapi/asm-generic/unistd.h:560-564 (arm64, riscv64, loongarch64), arch/arm/tools/syscall.tbl:327-329,
        /// arch/powerpc/kernel/syscalls/syscall.tbl:354-356, arch/s390/kernel/syscalls/syscall.tbl:232-234.
        /// </summary>
        internal static KeyringSyscallNumbers? KeyringSyscallsFor(Architecture architecture) => architecture switch
        {
            Architecture.X64 => new(248, 249, 250),
            Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => new(217, 218, 219),
            Architecture.X86 => new(286, 287, 288),
            Architecture.Arm or Architecture.Armv6 => new(309, 310, 311),
            Architecture.Ppc64le => new(269, 270, 271),
            Architecture.S390x => new(278, 279, 280),
            _ => null,
        };

        /// <summary>The three keyring syscall numbers of one architecture.</summary>
        internal readonly record struct KeyringSyscallNumbers(nint AddKey, nint RequestKey, nint Keyctl);
    }
}
