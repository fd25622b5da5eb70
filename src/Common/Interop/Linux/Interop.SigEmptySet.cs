using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Bytes to allocate for a <c>sigset_t</c>: glibc's is 128; room to spare.</summary>
        internal const int SigSetSize = 256;

        /// <summary><c>sigemptyset(signals)</c>: <see cref="LinuxErrno.None"/> or the errno.</summary>
        internal static LinuxErrno SigEmptySet(nint signals) =>
            SigEmptySetImport(signals) == 0 ? LinuxErrno.None : GetLastErrno();

        [LibraryImport(Libraries.Libc, EntryPoint = "sigemptyset", SetLastError = true)]
        private static partial int SigEmptySetImport(nint signals);
    }
}
