using System.Diagnostics.CodeAnalysis;
using CrashDmCrypt.Codec;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Reads (part of) a file straight into a pinned <see cref="SecretBuffer"/>: no stream buffer or other
/// managed copy of the bytes is made. The caller disposes the buffer (which zeroises it) on every path.
/// </summary>
internal static class PinnedFile
{
    /// <summary>
    /// Reads at most <paramref name="maxLength"/> bytes of <paramref name="path"/> from <paramref name="offset"/>.
    /// An offset equal to the file's length gives an empty buffer; one past it is an error.
    /// </summary>
    /// <param name="path">A regular file (its length comes from the file system).</param>
    /// <param name="offset">Where to start reading.</param>
    /// <param name="maxLength">Most bytes to read; fewer are read when the file ends first.</param>
    /// <param name="contents">The bytes read; dispose it.</param>
    /// <param name="error">Why nothing was read, for stderr (names the path, never file contents).</param>
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

        SecretBuffer? buffer = null;
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            if (offset > length)
            {
                error = $"offset {offset} is past the end of '{path}' ({length} bytes)";
                return false;
            }

            buffer = new SecretBuffer((int)Math.Min(length - offset, maxLength));
            int read = 0;
            while (read < buffer.Length)
            {
                int n = RandomAccess.Read(handle, buffer.Span[read..], offset + read);
                if (n == 0)
                {
                    error = $"'{path}' became shorter while it was read";
                    return false;
                }

                read += n;
            }

            contents = buffer;
            buffer = null;
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            error = $"cannot read '{path}': {e.Message}";
            return false;
        }
        finally
        {
            buffer?.Dispose();
        }
    }
}
