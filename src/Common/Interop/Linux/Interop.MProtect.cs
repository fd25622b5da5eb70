using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>mprotect(address, length, protection)</c>: 0 or -1.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mprotect", SetLastError = true)]
        internal static unsafe partial int MProtect(void* address, nuint length, int protection);
    }
}
