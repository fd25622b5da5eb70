using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Apply the attributes' default signal actions (glibc's posix/spawn.h).</summary>
        internal const short POSIX_SPAWN_SETSIGDEF = 0x4;

        /// <summary>Apply the attributes' signal mask (glibc's posix/spawn.h).</summary>
        internal const short POSIX_SPAWN_SETSIGMASK = 0x8;

        /// <summary><c>posix_spawnattr_setflags(attributes, flags)</c>. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnAttrSetFlags(nint attributes, short flags) =>
            (LinuxErrno)PosixSpawnAttrSetFlagsImport(attributes, flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setflags", SetLastError = true)]
        private static partial int PosixSpawnAttrSetFlagsImport(nint attributes, short flags);
    }
}
