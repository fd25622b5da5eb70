using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // include/uapi/asm-generic/mman-common.h:75 (Linux 7.2): fault in a range's pages for reading now, and return an
        // error (EFAULT for what would be SIGBUS, EINVAL, ENOMEM, EHWPOISON) instead (mm/madvise.c:965-1001, madvise_populate).
        internal const int MADV_POPULATE_READ = 22;

        /// <summary><c>madvise(address, length, advice)</c>: 0 or -1.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "madvise", SetLastError = true)]
        internal static unsafe partial int MAdvise(void* address, nuint length, int advice);
    }
}
