using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>sigaddset(signals, signal)</c>: <see cref="LinuxErrno.None"/> or the errno.</summary>
        internal static LinuxErrno SigAddSet(nint signals, int signal) =>
            SigAddSetImport(signals, signal) == 0 ? LinuxErrno.None : GetLastErrno();

        [LibraryImport(Libraries.Libc, EntryPoint = "sigaddset", SetLastError = true)]
        private static partial int SigAddSetImport(nint signals, int signal);
    }
}
