using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>write(fd, buffer, count)</c>: the bytes written, -1 on error.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        internal static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nint count);
    }
}
