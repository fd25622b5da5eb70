using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>posix_spawn_file_actions_destroy(actions)</c>. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnFileActionsDestroy(nint fileActions) =>
            (LinuxErrno)PosixSpawnFileActionsDestroyImport(fileActions);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_destroy", SetLastError = true)]
        private static partial int PosixSpawnFileActionsDestroyImport(nint fileActions);
    }
}
