using CrashDmCrypt.Kernel;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// What .NET does not offer for a file the user names: an <c>open(2)</c> that never waits (a FIFO without a
/// writer would block <see cref="File.OpenHandle"/> forever), <c>fcntl(2)</c> to make reads block again once the
/// file is open, and <c>statx(2)</c> for the type of what was opened. The calls are src/Common/Interop/Linux's.
/// </summary>
internal static class LinuxFile
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

    /// <summary>
    /// Opens <paramref name="path"/> for reading without waiting (O_NONBLOCK, so a FIFO without a writer
    /// opens at once), then turns blocking reads back on, so a pipe waits for its writer's data but a pipe
    /// with no writer reads as end of file. Never makes a terminal the controlling one. The path is the
    /// user's, so a symbolic link is followed (<c>/dev/stdin</c> is one).
    /// </summary>
    /// <returns><see cref="LinuxErrno.None"/>, or the errno of the failed call.</returns>
    public static LinuxErrno TryOpen(string path, out SafeFileHandle? handle)
    {
        handle = null;
        SafeFileHandle opened = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_NOCTTY);
        if (opened.IsInvalid)
        {
            LinuxErrno errno = Interop.Libc.GetLastErrno();
            opened.Dispose();
            return errno;
        }

        int flags = Interop.Libc.Fcntl(opened, Interop.Libc.F_GETFL, 0);
        if (flags < 0 || Interop.Libc.Fcntl(opened, Interop.Libc.F_SETFL, flags & ~Interop.Libc.O_NONBLOCK) < 0)
        {
            LinuxErrno errno = Interop.Libc.GetLastErrno();
            opened.Dispose();
            return errno;
        }

        handle = opened;
        return LinuxErrno.None;
    }

    /// <summary>The type and the size (<c>st_size</c>) of an open file.</summary>
    /// <returns><see cref="LinuxErrno.None"/>, or the errno of <c>statx</c>.</returns>
    public static LinuxErrno TryGetKind(SafeFileHandle handle, out Kind kind, out long size)
    {
        ArgumentNullException.ThrowIfNull(handle);
        kind = Kind.Other;
        size = 0;
        if (Interop.Libc.FStatx(handle, Interop.Libc.STATX_TYPE | Interop.Libc.STATX_SIZE, out Interop.Libc.StatxBuffer buffer) != 0)
        {
            return Interop.Libc.GetLastErrno();
        }

        size = (long)Math.Min(buffer.Size, long.MaxValue);
        kind = (buffer.Mode & Interop.Libc.S_IFMT) switch
        {
            Interop.Libc.S_IFREG => Kind.Regular,
            Interop.Libc.S_IFIFO => Kind.Pipe,
            Interop.Libc.S_IFCHR => Kind.CharacterDevice,
            Interop.Libc.S_IFBLK => Kind.BlockDevice,
            Interop.Libc.S_IFDIR => Kind.Directory,
            Interop.Libc.S_IFSOCK => Kind.Socket,
            _ => Kind.Other,
        };
        return LinuxErrno.None;
    }
}
