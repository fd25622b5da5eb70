using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>malloc_usable_size(ptr)</c>: how many bytes of a block <c>malloc</c> returned the caller may use (at least
        /// what was asked for); used to zero a library's state block before it is freed.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "malloc_usable_size", SetLastError = true)]
        internal static unsafe partial nuint MallocUsableSize(void* block);
    }
}
