using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_EMPTY_PATH = 0x1000;    // include/uapi/linux/fcntl.h:138
        internal const uint STATX_TYPE = 0x1;         // include/uapi/linux/stat.h:203
        internal const uint STATX_SIZE = 0x200;       // include/uapi/linux/stat.h:212

        // File types in stx_mode, include/uapi/linux/stat.h:9-16.
        internal const int S_IFMT = 0xf000;
        internal const int S_IFSOCK = 0xc000;
        internal const int S_IFREG = 0x8000;
        internal const int S_IFBLK = 0x6000;
        internal const int S_IFDIR = 0x4000;
        internal const int S_IFCHR = 0x2000;
        internal const int S_IFIFO = 0x1000;

        /// <summary>
        /// <c>statx(fd, "", AT_EMPTY_PATH, mask, &amp;buffer)</c>: the open file itself, so the type read is the type of
        /// what was opened (no second path lookup). 0 or -1.
        /// </summary>
        internal static int FStatx(SafeFileHandle fd, uint mask, out StatxBuffer buffer) => StatxImport(fd, string.Empty, AT_EMPTY_PATH, mask, out buffer);

        [LibraryImport(Libraries.Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int StatxImport(SafeFileHandle dirfd, string path, int flags, uint mask, out StatxBuffer buffer);

        /// <summary>
        /// <c>struct statx</c> (include/uapi/linux/stat.h:99-129), 256 bytes and the same on every architecture, unlike
        /// <c>struct stat</c>; only the fields up to <c>stx_size</c> are named.
        /// </summary>
        [StructLayout(LayoutKind.Sequential, Size = 256)]
        internal struct StatxBuffer
        {
            public uint Mask;
            public uint BlockSize;
            public ulong Attributes;
            public uint LinkCount;
            public uint Uid;
            public uint Gid;
            public ushort Mode;
            public ushort Spare0;
            public ulong Inode;
            public ulong Size;
        }
    }
}
