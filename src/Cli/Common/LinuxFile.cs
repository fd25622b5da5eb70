using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The few libc calls .NET does not offer: an <c>open(2)</c> that never waits (a FIFO without a writer
/// would block <see cref="File.OpenHandle"/> forever), <c>statx(2)</c> for the file type (its
/// <c>struct statx</c> has the same layout on every architecture, unlike <c>struct stat</c>), and
/// <c>fcntl(2)</c> to make reads block again once the file is open.
/// </summary>
internal static partial class LinuxFile
{
    /// <summary>What the opened path is.</summary>
    public enum Kind
    {
        /// <summary>A regular file (its size may be 0 in procfs and sysfs).</summary>
        Regular,

        /// <summary>A named or anonymous pipe.</summary>
        Pipe,

        /// <summary>A character device (<c>/dev/zero</c>, <c>/dev/mem</c>, a terminal).</summary>
        CharacterDevice,

        /// <summary>A block device.</summary>
        BlockDevice,

        /// <summary>A directory.</summary>
        Directory,

        /// <summary>A socket.</summary>
        Socket,

        /// <summary>Anything else.</summary>
        Other,
    }

    // Values from the kernel's uapi headers; the same on x86_64, arm64, ppc64le, riscv64 and s390x.
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;     // O_NONBLOCK 04000
    private const int ONoCtty = 0x100;       // O_NOCTTY 0400
    private const int OCloExec = 0x80000;    // O_CLOEXEC 02000000
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;
    private const int SIfMt = 0xf000;

    /// <summary>
    /// Opens <paramref name="path"/> for reading without waiting (O_NONBLOCK, so a FIFO without a writer
    /// opens at once), then turns blocking reads back on, so a pipe waits for its writer's data but a pipe
    /// with no writer reads as end of file. Never makes a terminal the controlling one.
    /// </summary>
    /// <returns>0, or the <c>errno</c> of the failed call.</returns>
    public static int TryOpen(string path, out SafeFileHandle? handle)
    {
        handle = null;
        int fd = Open(path, ORdOnly | ONonBlock | ONoCtty | OCloExec);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        var opened = new SafeFileHandle(fd, ownsHandle: true);
        int flags = Fcntl(fd, FGetFl, 0);
        if (flags < 0 || Fcntl(fd, FSetFl, flags & ~ONonBlock) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            opened.Dispose();
            return errno;
        }

        handle = opened;
        return 0;
    }

    /// <summary>The type and the size (<c>st_size</c>) of an open file.</summary>
    /// <returns>0, or the <c>errno</c> of <c>statx</c>.</returns>
    public static int TryGetKind(SafeFileHandle handle, out Kind kind, out long size)
    {
        ArgumentNullException.ThrowIfNull(handle);
        kind = Kind.Other;
        size = 0;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxType | StatxSize, out StatxBuffer buffer) != 0)
            {
                return Marshal.GetLastPInvokeError();
            }

            size = (long)Math.Min(buffer.Size, long.MaxValue);
            kind = (buffer.Mode & SIfMt) switch
            {
                0x8000 => Kind.Regular,
                0x1000 => Kind.Pipe,
                0x2000 => Kind.CharacterDevice,
                0x6000 => Kind.BlockDevice,
                0x4000 => Kind.Directory,
                0xc000 => Kind.Socket,
                _ => Kind.Other,
            };
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The C name of an errno value and its text, e.g. <c>ENOENT (No such file or directory)</c>.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    // fcntl is variadic; with int arguments the Linux calling conventions of every supported
    // architecture pass them exactly as for a fixed signature.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, out StatxBuffer buffer);

    // struct statx (include/uapi/linux/stat.h): 256 bytes; only the fields up to stx_size are read.
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
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
