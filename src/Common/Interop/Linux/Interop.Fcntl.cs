using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // include/uapi/asm-generic/fcntl.h:113-114.
        internal const int F_GETFL = 3;
        internal const int F_SETFL = 4;

        /// <summary><c>fcntl(fd, command, argument)</c> with an int argument: the command's result, or -1.</summary>
        // fcntl is variadic; with int arguments the Linux calling conventions of every supported architecture pass
        // them exactly as for a fixed signature.
        [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int Fcntl(SafeFileHandle fd, int command, int argument);
    }
}
