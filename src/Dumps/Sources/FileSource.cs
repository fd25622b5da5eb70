using CrashDmCrypt.Kernel;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// A dump file read with <c>pread(2)</c> (<see cref="RandomAccess"/>): a file that shrinks while it is read (truncated by
/// someone else, or a dump still being written) gives a short read, which is a failed read here, where a mapping would
/// take SIGBUS and end the process. Disposing the source while another thread reads is a failed read too: the handle's
/// reference count keeps the descriptor valid for a read in progress, and a later read sees it closed. Opened with
/// <see cref="DumpOpenOptions.MapFile"/>, a scan's windows are mapped instead (<see cref="TryView"/>), until a mapping
/// fails once: from then on every window is read.
/// </summary>
internal sealed class FileSource : DumpSource
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;

    // Whether windows are mapped: asked for, on Linux, and no mapping of this file has failed yet (a file that cannot be
    // mapped, /proc/vmcore's pages or a kernel without MADV_POPULATE_READ, fails every time; one that fails to read in
    // is read, and its problem reported, by pread).
    private volatile bool _map;
    private readonly Lock _gate = new();
    private FileMapping? _mapping;
    private bool _disposed;

    private FileSource(SafeFileHandle handle, long length, bool map)
    {
        _handle = handle;
        _length = length;
        _map = map;
    }

    public override long Length => _length;

    /// <summary>Opens a regular file; a FIFO, device, directory or socket is refused with an <see cref="IOException"/>, without waiting. <paramref name="map"/>: see <see cref="DumpOpenOptions.MapFile"/>.</summary>
    public static FileSource Open(string path, bool map = false)
    {
        SafeFileHandle handle = OperatingSystem.IsLinux() ? OpenRegular(path) : File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new FileSource(handle, RandomAccess.GetLength(handle), map && OperatingSystem.IsLinux());
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

    public override bool TryView(long offset, int length, FileView view, out ReadOnlySpan<byte> span)
    {
        span = default;
        if (!_map || length <= 0 || !Contains(offset, length))
        {
            return false;
        }

        FileMapping? mapping;
        lock (_gate)
        {
            if (!_disposed)
            {
                _mapping ??= FileMapping.TryCreate(_handle, _length);
            }

            mapping = _mapping;
        }

        if (mapping is null || !view.TryView(mapping, offset, length, out span))
        {
            _map = false;
            return false;
        }

        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _disposed = true;
                _mapping?.Dispose();
            }

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
