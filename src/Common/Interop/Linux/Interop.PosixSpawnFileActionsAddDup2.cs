using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>posix_spawn_file_actions_adddup2(actions, fd, newfd)</c>: the child's copy at <paramref name="newFd"/> is not close-on-exec. The error number comes back as the result (0 on success), not as -1 and errno.</summary>
        internal static LinuxErrno PosixSpawnFileActionsAddDup2(nint fileActions, int fd, int newFd) =>
            (LinuxErrno)PosixSpawnFileActionsAddDup2Import(fileActions, fd, newFd);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_adddup2", SetLastError = true)]
        private static partial int PosixSpawnFileActionsAddDup2Import(nint fileActions, int fd, int newFd);
    }
}
