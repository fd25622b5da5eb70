using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // include/uapi/asm-generic/mman-common.h:10-23 and include/uapi/linux/mman.h:18.
        internal const int PROT_NONE = 0x0;
        internal const int PROT_READ = 0x1;
        internal const int PROT_WRITE = 0x2;
        internal const int MAP_PRIVATE = 0x02;
        internal const int MAP_ANONYMOUS = 0x20;

        /// <summary><c>MAP_FAILED</c>, what <see cref="MMap"/> returns on error.</summary>
        internal static unsafe void* MapFailed => (void*)-1;

        /// <summary><c>mmap(address, length, protection, flags, fd, offset)</c>: the mapping, or <see cref="MapFailed"/>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        internal static unsafe partial void* MMap(void* address, nuint length, int protection, int flags, int fd, nint offset);
    }
}
