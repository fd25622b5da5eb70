namespace CrashDmCrypt.Kernel;

/// <summary>Names and meanings of <see cref="LinuxErrno"/> values, and the mapping from .NET I/O exceptions.</summary>
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

    /// <summary>The C library's short text for <paramref name="errno"/>.</summary>
    public static string GetMessage(LinuxErrno errno) => errno switch
    {
        LinuxErrno.None => "success",
        LinuxErrno.EPERM => "operation not permitted",
        LinuxErrno.ENOENT => "no such file or directory",
        LinuxErrno.EINTR => "interrupted system call",
        LinuxErrno.EIO => "input/output error",
        LinuxErrno.ENXIO => "no such device or address",
        LinuxErrno.E2BIG => "argument list too long",
        LinuxErrno.EAGAIN => "resource temporarily unavailable",
        LinuxErrno.ENOMEM => "cannot allocate memory",
        LinuxErrno.EACCES => "permission denied",
        LinuxErrno.EFAULT => "bad address",
        LinuxErrno.EBUSY => "device or resource busy",
        LinuxErrno.EEXIST => "file exists",
        LinuxErrno.ENODEV => "no such device",
        LinuxErrno.ENOTDIR => "not a directory",
        LinuxErrno.EISDIR => "is a directory",
        LinuxErrno.EINVAL => "invalid argument",
        LinuxErrno.ENOSPC => "no space left on device",
        LinuxErrno.ESPIPE => "illegal seek",
        LinuxErrno.ENAMETOOLONG => "file name too long",
        LinuxErrno.ENOSYS => "function not implemented",
        LinuxErrno.ENOTEMPTY => "directory not empty",
        LinuxErrno.ELOOP => "too many levels of symbolic links",
        LinuxErrno.EOPNOTSUPP => "operation not supported",
        LinuxErrno.EADDRNOTAVAIL => "cannot assign requested address",
        LinuxErrno.EDQUOT => "disk quota exceeded",
        LinuxErrno.ENOKEY => "required key not available",
        LinuxErrno.EKEYEXPIRED => "key has expired",
        LinuxErrno.EKEYREVOKED => "key has been revoked",
        LinuxErrno.EKEYREJECTED => "key was rejected by service",
        _ => "unknown error",
    };

    /// <summary><c>EINVAL (invalid argument)</c>.</summary>
    public static string Describe(LinuxErrno errno) => $"{GetName(errno)} ({GetMessage(errno)})";
}
