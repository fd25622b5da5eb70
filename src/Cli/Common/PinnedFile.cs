using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Reads (part of) a file straight into a pinned <see cref="SecretBuffer"/>: no stream buffer or other
/// managed copy of the bytes is made. The caller disposes the buffer (which zeroises it) on every path.
/// </summary>
/// <remarks>
/// Regular files are read from their length as the file system reports it; files that report 0 (procfs,
/// sysfs) are read up to the end. Pipes (named or not, <c>/dev/stdin</c>) and character or block devices
/// (<c>/dev/zero</c>, <c>/dev/mem</c>) are read up to the bound, from the offset (skipped by reading when
/// they cannot seek); one that gives no byte at all is an error, since that is what a pipe without a writer
/// gives. Opening never waits: a FIFO is opened with O_NONBLOCK, then read normally. Directories, sockets
/// and other kinds are refused.
/// </remarks>
internal static class PinnedFile
{
    /// <summary>
    /// Reads at most <paramref name="maxLength"/> bytes of <paramref name="path"/> from <paramref name="offset"/>.
    /// An offset equal to the file's length gives an empty buffer; one past it is an error.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="offset">Where to start reading.</param>
    /// <param name="maxLength">Most bytes to read; fewer are read when the file ends first.</param>
    /// <param name="contents">The bytes read; dispose it.</param>
    /// <param name="error">Why nothing was read, for stderr (names the path, escaped; never file contents).</param>
    public static bool TryRead(
        string path,
        long offset,
        int maxLength,
        [NotNullWhen(true)] out SecretBuffer? contents,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        contents = null;
        if (path.Length == 0)
        {
            error = "the file name is empty";
            return false;
        }

        string name = CliText.Quote(path);
        SafeFileHandle? handle = null;
        try
        {
            if (OperatingSystem.IsLinux())
            {
                LinuxErrno errno = LinuxFile.TryOpen(path, out handle);
                if (errno != LinuxErrno.None)
                {
                    error = $"cannot open {name}: {ErrnoText.Describe(errno)}";
                    return false;
                }
            }
            else
            {
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            }

            return TryRead(handle!, name, offset, maxLength, out contents, out error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            error = $"cannot read {name}: {e.GetType().Name}";
            return false;
        }
        finally
        {
            handle?.Dispose();
        }
    }

    /// <summary>Reads at most <paramref name="maxLength"/> bytes of standard input (file descriptor 0).</summary>
    public static bool TryReadStandardInput(
        int maxLength,
        [NotNullWhen(true)] out SecretBuffer? contents,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        contents = null;
        try
        {
            using var handle = new SafeFileHandle(0, ownsHandle: false);
            return TryRead(handle, "standard input", 0, maxLength, out contents, out error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            error = $"cannot read standard input: {e.GetType().Name}";
            return false;
        }
    }

    private static bool TryRead(
        SafeFileHandle handle,
        string name,
        long offset,
        int maxLength,
        [NotNullWhen(true)] out SecretBuffer? contents,
        [NotNullWhen(false)] out string? error)
    {
        contents = null;
        LinuxFile.Kind kind = LinuxFile.Kind.Regular;
        long size;
        if (OperatingSystem.IsLinux())
        {
            LinuxErrno errno = LinuxFile.TryGetKind(handle, out kind, out size);
            if (errno != LinuxErrno.None)
            {
                error = $"cannot read {name}: {ErrnoText.Describe(errno)}";
                return false;
            }
        }
        else
        {
            size = RandomAccess.GetLength(handle);
        }

        switch (kind)
        {
            case LinuxFile.Kind.Regular when size > 0:
                return TryReadKnownLength(handle, name, size, offset, maxLength, out contents, out error);
            case LinuxFile.Kind.Regular:
            case LinuxFile.Kind.Pipe:
            case LinuxFile.Kind.CharacterDevice:
            case LinuxFile.Kind.BlockDevice:
                return TryReadToEnd(handle, name, kind, offset, maxLength, out contents, out error);
            default:
                error = $"{name} is {Article(kind)}, not a file";
                return false;
        }
    }

    // A regular file: its length decides; a file that shrinks while it is read is an error.
    private static bool TryReadKnownLength(
        SafeFileHandle handle,
        string name,
        long length,
        long offset,
        int maxLength,
        [NotNullWhen(true)] out SecretBuffer? contents,
        [NotNullWhen(false)] out string? error)
    {
        contents = null;
        if (offset > length)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"offset {offset} is past the end of {name} ({length} bytes)");
            return false;
        }

        var buffer = new SecretBuffer((int)Math.Min(length - offset, maxLength));
        try
        {
            int read = 0;
            while (read < buffer.Length)
            {
                int n = RandomAccess.Read(handle, buffer.Span[read..], offset + read);
                if (n == 0)
                {
                    error = $"{name} became shorter while it was read";
                    return false;
                }

                read += n;
            }

            (contents, buffer) = (buffer, null);
            error = null;
            return true;
        }
        finally
        {
            buffer?.Dispose();
        }
    }

    // procfs and sysfs files (length 0), pipes and devices: read up to the bound or the end.
    private static bool TryReadToEnd(
        SafeFileHandle handle,
        string name,
        LinuxFile.Kind kind,
        long offset,
        int maxLength,
        [NotNullWhen(true)] out SecretBuffer? contents,
        [NotNullWhen(false)] out string? error)
    {
        contents = null;
        var buffer = new SecretBuffer(maxLength);
        try
        {
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            if (stream.CanSeek)
            {
                stream.Position = offset;
            }
            else if (!TrySkip(stream, offset))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"offset {offset} is past the end of {name}");
                return false;
            }

            int read = 0;
            while (read < buffer.Length)
            {
                int n = stream.Read(buffer.Span[read..]);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            if (read == 0 && kind != LinuxFile.Kind.Regular && maxLength > 0)
            {
                // An empty pipe is usually one whose writer is missing: no verdict on bytes never seen.
                error = $"{name} gave no bytes (a pipe without a writer, or an empty device)";
                return false;
            }

            if (read == buffer.Length)
            {
                (contents, buffer) = (buffer, null);
            }
            else
            {
                contents = SecretBuffer.CopyOf(buffer.Span[..read]);
            }

            error = null;
            return true;
        }
        finally
        {
            buffer?.Dispose();
        }
    }

    // Reads and drops offset bytes of a stream that cannot seek; the scratch space is cleared after.
    private static bool TrySkip(FileStream stream, long offset)
    {
        Span<byte> scratch = stackalloc byte[4096];
        try
        {
            while (offset > 0)
            {
                int n = stream.Read(scratch[..(int)Math.Min(offset, scratch.Length)]);
                if (n == 0)
                {
                    return false;
                }

                offset -= n;
            }

            return true;
        }
        finally
        {
            scratch.Clear();
        }
    }

    private static string Article(LinuxFile.Kind kind) => kind switch
    {
        LinuxFile.Kind.Directory => "a directory",
        LinuxFile.Kind.Socket => "a socket",
        _ => "neither a regular file, a pipe nor a device",
    };
}
