using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>read(fd, buffer, count)</c>: the bytes read, 0 at end of file, -1 on error.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        internal static partial nint Read(int fd, Span<byte> buffer, nint count);
    }
}
