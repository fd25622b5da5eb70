using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // include/uapi/asm-generic/signal.h:20,30 (x86 and arm use the same numbers).
        internal const int SIGKILL = 9;
        internal const int SIGSTOP = 19;

        /// <summary><c>kill(pid, signal)</c>: 0 or -1.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
        internal static partial int Kill(int pid, int signal);
    }
}
