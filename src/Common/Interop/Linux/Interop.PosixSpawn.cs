using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>posix_spawn(&amp;pid, path, actions, attributes, argv, envp)</c>. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawn(out int pid, nint path, nint fileActions, nint attributes, nint argv, nint envp) =>
            (LinuxErrno)PosixSpawnImport(out pid, path, fileActions, attributes, argv, envp);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn", SetLastError = true)]
        private static partial int PosixSpawnImport(out int pid, nint path, nint fileActions, nint attributes, nint argv, nint envp);
    }
}
