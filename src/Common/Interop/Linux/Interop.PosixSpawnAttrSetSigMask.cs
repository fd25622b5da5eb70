using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>posix_spawnattr_setsigmask(attributes, signals)</c>: the child's signal mask. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnAttrSetSigMask(nint attributes, nint signals) =>
            (LinuxErrno)PosixSpawnAttrSetSigMaskImport(attributes, signals);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigmask", SetLastError = true)]
        private static partial int PosixSpawnAttrSetSigMaskImport(nint attributes, nint signals);
    }
}
