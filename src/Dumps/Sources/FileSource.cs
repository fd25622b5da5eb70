using CrashDmCrypt.Kernel;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// A dump file read with <c>pread(2)</c> (<see cref="RandomAccess"/>), not mapped: a file that shrinks while it is read
/// (truncated by someone else, or a dump still being written) gives a short read, which is a failed read here, where a
/// mapping would take SIGBUS and end the process. Disposing the source while another thread reads is a failed read too:
/// the handle's reference count keeps the descriptor valid for a read in progress, and a later read sees it closed.
/// </summary>
internal sealed class FileSource : DumpSource
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
    // nothing for a regular file's reads. The path is the user's, so a symbolic link is followed.
    private static SafeFileHandle OpenRegular(string path)
    {
        SafeFileHandle handle = Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.Libc.O_NOCTTY);
        if (handle.IsInvalid)
        {
            LinuxErrno errno = Interop.Libc.GetLastErrno();
            handle.Dispose();
            throw errno switch
            {
                LinuxErrno.ENOENT or LinuxErrno.ENOTDIR => new FileNotFoundException(),
                LinuxErrno.EPERM or LinuxErrno.EACCES => new UnauthorizedAccessException(),
                _ => new IOException(null, (int)errno),
            };
        }

        if (Interop.Libc.FStatx(handle, Interop.Libc.STATX_TYPE, out Interop.Libc.StatxBuffer stat) != 0
            || (stat.Mode & Interop.Libc.S_IFMT) != Interop.Libc.S_IFREG)
        {
            handle.Dispose();
            throw new IOException("not a regular file");
        }

        return handle;
    }
}
