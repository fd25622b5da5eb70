using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>posix_spawnattr_destroy(attributes)</c>. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnAttrDestroy(nint attributes) =>
            (LinuxErrno)PosixSpawnAttrDestroyImport(attributes);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_destroy", SetLastError = true)]
        private static partial int PosixSpawnAttrDestroyImport(nint attributes);
    }
}
