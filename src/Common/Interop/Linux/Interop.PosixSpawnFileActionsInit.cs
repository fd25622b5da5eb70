using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Bytes to allocate for a <c>posix_spawn_file_actions_t</c>: glibc's is 80 on x86-64 and arm64; room to spare.</summary>
        internal const int PosixSpawnFileActionsSize = 256;

        /// <summary><c>posix_spawn_file_actions_init(actions)</c>. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnFileActionsInit(nint fileActions) =>
            (LinuxErrno)PosixSpawnFileActionsInitImport(fileActions);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_init", SetLastError = true)]
        private static partial int PosixSpawnFileActionsInitImport(nint fileActions);
    }
}
