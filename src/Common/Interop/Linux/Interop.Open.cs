using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>open(path, flags | O_CLOEXEC, mode)</c>: every descriptor the project opens is close-on-exec, so a child
        /// (cryptsetup through posix_spawn) never inherits one. An invalid handle on failure; then
        /// <see cref="GetLastErrno"/> says why.
        /// </summary>
        /// <param name="path">The path, passed as UTF-8.</param>
        /// <param name="flags">The <c>O_*</c> flags of Interop.OpenFlags.cs.</param>
        /// <param name="mode">The permissions of a created file; ignored without <c>O_CREAT</c>.</param>
        internal static SafeFileHandle Open(string path, int flags, uint mode = 0) => OpenImport(path, flags | O_CLOEXEC, mode);

        // open is variadic; with an int mode the Linux calling conventions of every supported architecture pass it
        // exactly as for a fixed signature, and glibc reads it only for O_CREAT and O_TMPFILE.
        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial SafeFileHandle OpenImport(string path, int flags, uint mode);
    }
}
