using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Cli.Common;

/// <summary>The words for an errno: the C library's short text beside the symbolic name the kernel library gives.</summary>
internal static class ErrnoText
{
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
        LinuxErrno.EBADF => "bad file descriptor",
        LinuxErrno.EAGAIN => "resource temporarily unavailable",
        LinuxErrno.ENOMEM => "cannot allocate memory",
        LinuxErrno.EACCES => "permission denied",
        LinuxErrno.EFAULT => "bad address",
        LinuxErrno.EBUSY => "device or resource busy",
        LinuxErrno.EEXIST => "file exists",
        LinuxErrno.EXDEV => "invalid cross-device link",
        LinuxErrno.ENODEV => "no such device",
        LinuxErrno.ENOTDIR => "not a directory",
        LinuxErrno.EISDIR => "is a directory",
        LinuxErrno.EINVAL => "invalid argument",
        LinuxErrno.ENFILE => "too many open files in system",
        LinuxErrno.EMFILE => "too many open files",
        LinuxErrno.ETXTBSY => "text file busy",
        LinuxErrno.EFBIG => "file too large",
        LinuxErrno.ENOSPC => "no space left on device",
        LinuxErrno.ESPIPE => "illegal seek",
        LinuxErrno.EROFS => "read-only file system",
        LinuxErrno.EPIPE => "broken pipe",
        LinuxErrno.ENAMETOOLONG => "file name too long",
        LinuxErrno.ENOSYS => "function not implemented",
        LinuxErrno.ENOTEMPTY => "directory not empty",
        LinuxErrno.ELOOP => "too many levels of symbolic links",
        LinuxErrno.EOVERFLOW => "value too large for defined data type",
        LinuxErrno.EOPNOTSUPP => "operation not supported",
        LinuxErrno.EADDRNOTAVAIL => "cannot assign requested address",
        LinuxErrno.EDQUOT => "disk quota exceeded",
        LinuxErrno.ENOKEY => "required key not available",
        LinuxErrno.EKEYEXPIRED => "key has expired",
        LinuxErrno.EKEYREVOKED => "key has been revoked",
        LinuxErrno.EKEYREJECTED => "key was rejected by service",
        _ => "unknown error",
    };

    /// <summary><c>EINVAL (invalid argument)</c>, or <c>errno 42 (unknown error)</c> for a number without a name.</summary>
    public static string Describe(LinuxErrno errno) => $"{LinuxErrors.GetName(errno)} ({GetMessage(errno)})";
}
