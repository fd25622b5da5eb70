using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Bytes to allocate for a <c>posix_spawnattr_t</c>: glibc's is 336 on x86-64 and arm64; room to spare.</summary>
        internal const int PosixSpawnAttrSize = 512;

        /// <summary><c>posix_spawnattr_init(attributes)</c>. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnAttrInit(nint attributes) =>
            (LinuxErrno)PosixSpawnAttrInitImport(attributes);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_init", SetLastError = true)]
        private static partial int PosixSpawnAttrInitImport(nint attributes);
    }
}
