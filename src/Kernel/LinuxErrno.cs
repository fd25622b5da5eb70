namespace CrashDmCrypt.Kernel;

/// <summary>
/// The Linux error numbers the file, configfs and keyring calls and the kernel model report (generic values,
/// as on x86_64 and arm64). On Linux, .NET puts these numbers in <see cref="Exception.HResult"/> of most
/// <see cref="IOException"/>s; <see cref="LinuxErrors.FromException"/> maps the rest.
/// </summary>
#pragma warning disable CA1707 // The kernel's own names read best here.
public enum LinuxErrno
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>Operation not permitted.</summary>
    EPERM = 1,

    /// <summary>No such file or directory (also: <c>crash_load_dm_crypt_keys</c> with no key items).</summary>
    ENOENT = 2,

    /// <summary>Interrupted system call.</summary>
    EINTR = 4,

    /// <summary>I/O error.</summary>
    EIO = 5,

    /// <summary>No such device or address (also: opening a FIFO for writing with no reader, non-blocking).</summary>
    ENXIO = 6,

    /// <summary>Argument list too long.</summary>
    E2BIG = 7,

    /// <summary>Bad file descriptor.</summary>
    EBADF = 9,

    /// <summary>Resource temporarily unavailable: a non-blocking read found no data (a FIFO with a silent writer).</summary>
    EAGAIN = 11,

    /// <summary>Out of memory.</summary>
    ENOMEM = 12,

    /// <summary>Permission denied.</summary>
    EACCES = 13,

    /// <summary>Bad address.</summary>
    EFAULT = 14,

    /// <summary>Device or resource busy.</summary>
    EBUSY = 16,

    /// <summary>File exists.</summary>
    EEXIST = 17,

    /// <summary>Invalid cross-device link: a rename across file systems.</summary>
    EXDEV = 18,

    /// <summary>No such device: <c>add_key</c> and <c>request_key</c> with a key type the kernel does not know.</summary>
    ENODEV = 19,

    /// <summary>Not a directory.</summary>
    ENOTDIR = 20,

    /// <summary>Is a directory.</summary>
    EISDIR = 21,

    /// <summary>Invalid argument: what configfs stores and <c>mkdir</c> return when the kernel refuses a value.</summary>
    EINVAL = 22,

    /// <summary>Too many open files in the system.</summary>
    ENFILE = 23,

    /// <summary>Too many open files in the process.</summary>
    EMFILE = 24,

    /// <summary>Text file busy: writing a program that is running.</summary>
    ETXTBSY = 26,

    /// <summary>File too large.</summary>
    EFBIG = 27,

    /// <summary>No space left on device.</summary>
    ENOSPC = 28,

    /// <summary>Illegal seek: a positioned read or write on a pipe or FIFO.</summary>
    ESPIPE = 29,

    /// <summary>Read-only file system.</summary>
    EROFS = 30,

    /// <summary>Broken pipe: a write to a pipe nobody reads.</summary>
    EPIPE = 32,

    /// <summary>File name too long.</summary>
    ENAMETOOLONG = 36,

    /// <summary>Function not implemented: for the keyring calls, a kernel without <c>CONFIG_KEYS</c>.</summary>
    ENOSYS = 38,

    /// <summary>Directory not empty.</summary>
    ENOTEMPTY = 39,

    /// <summary>Too many levels of symbolic links: what <c>open</c> with <c>O_NOFOLLOW</c> returns for a link.</summary>
    ELOOP = 40,

    /// <summary>Value too large for defined data type.</summary>
    EOVERFLOW = 75,

    /// <summary>Operation not supported: <c>KEYCTL_READ</c> of a key type without a read method, such as <c>logon</c>.</summary>
    EOPNOTSUPP = 95,

    /// <summary>Cannot assign requested address: <c>kexec_add_buffer</c> found no hole for a segment.</summary>
    EADDRNOTAVAIL = 99,

    /// <summary>Disk quota exceeded: for the keyring calls, the user's key quota (<c>/proc/sys/kernel/keys/maxkeys</c>, <c>maxbytes</c>).</summary>
    EDQUOT = 122,

    /// <summary>Required key not available: <c>request_key</c> found no such logon key.</summary>
    ENOKEY = 126,

    /// <summary>Key has expired.</summary>
    EKEYEXPIRED = 127,

    /// <summary>Key has been revoked.</summary>
    EKEYREVOKED = 128,

    /// <summary>Key was rejected by service (a negative key instantiated with <c>KEYCTL_REJECT</c>).</summary>
    EKEYREJECTED = 129,
}
#pragma warning restore CA1707
