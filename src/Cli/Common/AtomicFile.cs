using System.Diagnostics.CodeAnalysis;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Writes a file so that it appears whole or not at all: the bytes go to a temporary file in the same
/// directory, which is renamed over the target only after it was flushed. On failure the temporary file
/// is deleted and a pre-existing target is left untouched. New files are readable by their owner only
/// (they hold key material).
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, replacing it.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="bytes">The whole contents.</param>
    /// <param name="error">Why nothing was written, for stderr (never contains the bytes).</param>
    public static bool TryWrite(string path, ReadOnlySpan<byte> bytes, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? temporary = null;
        try
        {
            string fullPath = Path.GetFullPath(path);
            string name = Path.GetFileName(fullPath);
            string? directory = Path.GetDirectoryName(fullPath);
            if (name.Length == 0 || directory is null)
            {
                error = $"'{path}' is not a file name";
                return false;
            }

            temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            // rename(2): readers see the old file or the new one, never a partial one.
            File.Move(temporary, fullPath, overwrite: true);
            temporary = null;
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            error = $"cannot write '{path}': {e.Message}";
            return false;
        }
        finally
        {
            if (temporary is not null)
            {
                TryDelete(temporary);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the failure that brought us here is already being reported.
        }
    }
}
