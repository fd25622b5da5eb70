using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Return at once when the child has not ended (include/uapi/linux/wait.h:5).</summary>
        internal const int WNOHANG = 0x1;

        /// <summary><c>waitpid(pid, &amp;status, options)</c>: the child's pid, 0 (WNOHANG, still running) or -1.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "waitpid", SetLastError = true)]
        internal static partial int WaitPid(int pid, out int status, int options);
    }
}
