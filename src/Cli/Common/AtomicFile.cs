using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Writes a file so that it appears whole or not at all: the bytes go to a temporary file in the same
/// directory, which is renamed over the target only after it was flushed. On failure the temporary file
/// is deleted and a pre-existing target is left untouched. New files are readable by their owner only
/// (they hold key material). SIGINT, SIGTERM, SIGHUP and SIGQUIT between creating and renaming the
/// temporary file delete it before the process ends, so an interrupted build leaves no keys behind.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Called with the temporary file's path once it is written and flushed, before the rename. Always null in the tool;
    /// only the test assembly (through InternalsVisibleTo) sets it, to hold there while a test sends a real signal.
    /// </summary>
    internal static Action<string>? BeforeRename { get; set; }

    /// <summary>Writes the contents of the temporary file; returns null when they are whole, else why not (for stderr).</summary>
    /// <param name="stream">The temporary file, empty, readable and writable, seekable.</param>
    public delegate string? ContentWriter(FileStream stream);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, replacing it.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="bytes">The whole contents.</param>
    /// <param name="error">Why nothing was written, for stderr (never contains the bytes).</param>
    public static unsafe bool TryWrite(string path, ReadOnlySpan<byte> bytes, [NotNullWhen(false)] out string? error)
    {
        fixed (byte* pointer = bytes)
        {
            byte* start = pointer;
            int length = bytes.Length;
            return TryWrite(path, stream =>
            {
                stream.Write(new ReadOnlySpan<byte>(start, length));
                return null;
            }, out error);
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, which may seek, read back and write in any order
    /// (a scrubbed dump is copied, then patched); the file appears only when <paramref name="write"/> returns null.
    /// </summary>
    /// <param name="path">The target file.</param>
    /// <param name="write">Writes the contents; null when whole, else the reason, which becomes <paramref name="error"/>.</param>
    /// <param name="error">Why nothing was written, for stderr.</param>
    public static bool TryWrite(string path, ContentWriter write, [NotNullWhen(false)] out string? error) =>
        TryWrite(path, write, out error, out _);

    /// <inheritdoc cref="TryWrite(string, ContentWriter, out string?)"/>
    /// <param name="path">The target file.</param>
    /// <param name="write">Writes the contents; null when whole, else the reason, which becomes <paramref name="error"/>.</param>
    /// <param name="error">Why nothing was written, for stderr.</param>
    /// <param name="interrupted">
    /// Whether a signal refused the rename (this writer's handler deleted the temporary file). Every handler of a signal
    /// runs one after the other, so a caller with a handler of its own may see this before its handler has run.
    /// </param>
    public static bool TryWrite(string path, ContentWriter write, [NotNullWhen(false)] out string? error, out bool interrupted)
    {
        interrupted = false;
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        using var pending = new PendingFile();
        try
        {
            string fullPath = Path.GetFullPath(path);
            string name = Path.GetFileName(fullPath);
            string? directory = Path.GetDirectoryName(fullPath);
            if (name.Length == 0 || directory is null)
            {
                error = $"{CliText.Quote(path)} is not a file name";
                return false;
            }

            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            string temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
            using (FileStream stream = pending.Create(temporary, options))
            {
                if (write(stream) is { } reason)
                {
                    error = reason;
                    return false;
                }

                stream.Flush(flushToDisk: true);
            }

            BeforeRename?.Invoke(temporary);

            // rename(2): readers see the old file or the new one, never a partial one.
            if (!pending.TryCommit(fullPath))
            {
                interrupted = true;
                error = $"cannot write {CliText.Quote(path)}: interrupted";
                return false;
            }

            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            error = $"cannot write {CliText.Quote(path)}: {Reason(e)}";
            return false;
        }
    }

    // The exception's type, not its message: .NET messages repeat the full path unescaped.
    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "the directory does not exist",
        PathTooLongException => "the path is too long",
        // On Linux .NET puts the errno in HResult for I/O errors it has no specific exception for.
        IOException { HResult: > 0 and < 4096 } io when OperatingSystem.IsLinux() => ErrnoText.Describe((LinuxErrno)io.HResult),
        _ => e.GetType().Name,
    };

    /// <summary>
    /// The temporary file between its creation and its rename. A signal handler and the writing thread
    /// agree under one lock: either the handler deletes the file and the rename never happens, or the
    /// rename happened and there is nothing to delete.
    /// </summary>
    private sealed class PendingFile : IDisposable
    {
        private static readonly PosixSignal[] CleanupSignals =
            [PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];

        private readonly Lock _lock = new();
        private readonly List<PosixSignalRegistration> _registrations = [];
        private string? _path;
        private bool _interrupted;

        public FileStream Create(string path, FileStreamOptions options)
        {
            lock (_lock)
            {
                if (!OperatingSystem.IsWindows() && _registrations.Count == 0)
                {
                    foreach (PosixSignal signal in CleanupSignals)
                    {
                        _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
                    }
                }

                // Recorded before it exists: a signal right after creation must still find it.
                _path = path;
                return new FileStream(path, options);
            }
        }

        public bool TryCommit(string target)
        {
            lock (_lock)
            {
                if (_interrupted || _path is null)
                {
                    return false;
                }

                File.Move(_path, target, overwrite: true);
                _path = null;
                return true;
            }
        }

        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in _registrations)
            {
                registration.Dispose();
            }

            lock (_lock)
            {
                DeletePending();
            }
        }

        // Runs on a thread-pool thread; the signal's default action (ending the process) follows.
        private void OnSignal(PosixSignalContext context)
        {
            lock (_lock)
            {
                _interrupted = true;
                DeletePending();
            }
        }

        private void DeletePending()
        {
            if (_path is null)
            {
                return;
            }

            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: the failure that brought us here is already being reported.
            }

            _path = null;
        }
    }
}
