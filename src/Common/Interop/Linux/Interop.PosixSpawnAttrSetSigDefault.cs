using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>posix_spawnattr_setsigdefault(attributes, signals)</c>: these signals get their default action in the child. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnAttrSetSigDefault(nint attributes, nint signals) =>
            (LinuxErrno)PosixSpawnAttrSetSigDefaultImport(attributes, signals);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigdefault", SetLastError = true)]
        private static partial int PosixSpawnAttrSetSigDefaultImport(nint attributes, nint signals);
    }
}
