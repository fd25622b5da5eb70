using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// A dump file read with <c>pread(2)</c> (<see cref="RandomAccess"/>), not mapped: a file that shrinks while it is read
/// (truncated by someone else, or a dump still being written) gives a short read, which is a failed read here, where a
/// mapping would take SIGBUS and end the process. Disposing the source while another thread reads is a failed read too:
/// the handle's reference count keeps the descriptor valid for a read in progress, and a later read sees it closed.
/// </summary>
internal sealed partial class FileSource : DumpSource
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;

    private FileSource(SafeFileHandle handle, long length)
    {
        _handle = handle;
        _length = length;
    }

    public override long Length => _length;

    /// <summary>Opens a regular file; a FIFO, device, directory or socket is refused with an <see cref="IOException"/>, without waiting.</summary>
    public static FileSource Open(string path)
    {
        SafeFileHandle handle = OperatingSystem.IsLinux() ? OpenRegular(path) : File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new FileSource(handle, RandomAccess.GetLength(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public override bool TryRead(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            return false;
        }

        try
        {
            while (!destination.IsEmpty)
            {
                int read = RandomAccess.Read(_handle, destination, offset);
                if (read <= 0)
                {
                    return false;
                }

                destination = destination[read..];
                offset += read;
            }

            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    // open(2) with O_NONBLOCK, so a FIFO without a writer does not block the open (FileStream's open would wait for
    // ever); then statx(2) on the descriptor: only a regular file is a dump (random access, a length). O_NONBLOCK does
    // nothing for a regular file's reads.
    private static SafeFileHandle OpenRegular(string path)
    {
        const int Flags = 0x800 | 0x100 | 0x80000;      // O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC (uapi, every Linux arch here)
        int fd = NativeOpen(path, Flags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno is 2 or 20 ? new FileNotFoundException() : errno is 1 or 13 ? new UnauthorizedAccessException() : new IOException(null, errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        const int AtEmptyPath = 0x1000;
        const uint StatxType = 0x1;
        const int TypeMask = 0xf000;
        const int Regular = 0x8000;
        if (NativeStatx(fd, string.Empty, AtEmptyPath, StatxType, out StatxHead stat) != 0 || (stat.Mode & TypeMask) != Regular)
        {
            handle.Dispose();
            throw new IOException("not a regular file");
        }

        return handle;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeStatx(int dirfd, string path, int flags, uint mask, out StatxHead buffer);

    // struct statx (include/uapi/linux/stat.h), 256 bytes, the same on every architecture: only stx_mode is read.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxHead
    {
        [FieldOffset(28)]
        public ushort Mode;
    }
}
