namespace CrashDmCrypt.Kernel;

/// <summary>
/// The symbolic names of <see cref="LinuxErrno"/> values, and the mapping from .NET I/O exceptions. The C library's
/// texts for them are words, written by the tool (src/Cli/Common/ErrnoText.cs).
/// </summary>
public static class LinuxErrors
{
    // Above this an HResult is a Windows/COM code, not an errno.
    private const int MaxErrno = 4095;

    /// <summary>
    /// The errno behind a failed file-system call. On Unix .NET throws <see cref="IOException"/> with the raw
    /// errno in <see cref="Exception.HResult"/>, except for ENOENT (<see cref="FileNotFoundException"/>,
    /// <see cref="DirectoryNotFoundException"/>), EACCES/EPERM (<see cref="UnauthorizedAccessException"/>) and
    /// ENAMETOOLONG (<see cref="PathTooLongException"/>), which carry COM codes instead.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    internal static LinuxErrno FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            FileNotFoundException or DirectoryNotFoundException => LinuxErrno.ENOENT,
            UnauthorizedAccessException => LinuxErrno.EACCES,
            PathTooLongException => LinuxErrno.ENAMETOOLONG,
            IOException when exception.HResult is > 0 and <= MaxErrno => (LinuxErrno)exception.HResult,
            _ => LinuxErrno.EIO,
        };
    }

    /// <summary>The symbolic name, e.g. <c>EINVAL</c>, or <c>errno 42</c> for a number without a member here.</summary>
    public static string GetName(LinuxErrno errno) =>
        Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}";
}
