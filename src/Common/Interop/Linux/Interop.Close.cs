using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>close(fd)</c> of a raw descriptor (a pipe end); a <see cref="Microsoft.Win32.SafeHandles.SafeFileHandle"/> closes itself.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
