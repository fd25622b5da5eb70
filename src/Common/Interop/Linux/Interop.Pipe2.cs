using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>pipe2(fds, O_CLOEXEC)</c>: [read end, write end], close-on-exec like every descriptor opened here; 0 or -1.</summary>
        internal static int Pipe(Span<int> fds) => Pipe2Import(fds, O_CLOEXEC);

        [LibraryImport(Libraries.Libc, EntryPoint = "pipe2", SetLastError = true)]
        private static partial int Pipe2Import(Span<int> fds, int flags);
    }
}
