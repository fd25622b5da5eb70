using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // open(2) flags from include/uapi/asm-generic/fcntl.h. Below bit 14 they are the same on every architecture .NET
        // runs Linux on (x86, x86_64, arm, arm64, powerpc, s390, riscv, loongarch); alpha, mips, parisc and sparc differ
        // and are not among them.
        internal const int O_RDONLY = 0;           // asm-generic/fcntl.h:19
        internal const int O_WRONLY = 1 << 0;      // asm-generic/fcntl.h:20
        internal const int O_CREAT = 1 << 6;       // asm-generic/fcntl.h:27
        internal const int O_NOCTTY = 1 << 8;      // asm-generic/fcntl.h:33
        internal const int O_TRUNC = 1 << 9;       // asm-generic/fcntl.h:36
        internal const int O_NONBLOCK = 1 << 11;   // asm-generic/fcntl.h:42
        internal const int O_CLOEXEC = 1 << 19;    // asm-generic/fcntl.h:66

        /// <summary>
        /// <c>O_NOFOLLOW</c> of this process's architecture. Open only adds it where a path is composed by the program
        /// under a directory an attacker may write to (configfs items, the imitation folder of the tests), so a symbolic
        /// link planted there is refused with ELOOP instead of redirecting a read or a write. A path the user names
        /// (a key file, a dump, <c>/dev/stdin</c>, itself a link) is followed, as every tool does.
        /// </summary>
        internal static readonly int O_NOFOLLOW = NoFollowFor(RuntimeInformation.ProcessArchitecture);

        /// <summary>
        /// <c>O_NOFOLLOW</c> of <paramref name="architecture"/>: 1 &lt;&lt; 17 in the generic ABI
        /// (asm-generic/fcntl.h:60) and 1 &lt;&lt; 15 on arm and arm64 (arch/arm/include/uapi/asm/fcntl.h:6,
        /// arch/arm64/include/uapi/asm/fcntl.h:24) and powerpc (arch/powerpc/include/uapi/asm/fcntl.h:6). There
        /// O_DIRECTORY and O_LARGEFILE move too; the generic 1 &lt;&lt; 17 is arm64's O_LARGEFILE, which a 64-bit kernel
        /// sets on every open anyway, so the generic value would silently follow links there.
        /// </summary>
        internal static int NoFollowFor(Architecture architecture) =>
            architecture is Architecture.Arm or Architecture.Armv6 or Architecture.Arm64 or Architecture.Ppc64le ? 1 << 15 : 1 << 17;
    }
}
