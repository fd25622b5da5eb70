namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>The mapping from the keyring calls' errno to <see cref="KeyringStatus"/>, and fixed texts for each status.</summary>
public static class KeyringErrors
{
    /// <summary>The status for a call that failed with <paramref name="errno"/>.</summary>
    public static KeyringStatus GetStatus(LinuxErrno errno) => errno switch
    {
        LinuxErrno.None => KeyringStatus.Ok,
        LinuxErrno.ENOSYS => KeyringStatus.Unsupported,
        LinuxErrno.ENOKEY => KeyringStatus.KeyNotFound,
        LinuxErrno.EKEYEXPIRED => KeyringStatus.KeyExpired,
        LinuxErrno.EKEYREVOKED => KeyringStatus.KeyRevoked,
        LinuxErrno.EDQUOT => KeyringStatus.QuotaExceeded,
        LinuxErrno.EACCES or LinuxErrno.EPERM => KeyringStatus.PermissionDenied,
        LinuxErrno.EOPNOTSUPP => KeyringStatus.ReadNotSupported,
        LinuxErrno.EINVAL => KeyringStatus.InvalidArgument,
        LinuxErrno.EKEYREJECTED => KeyringStatus.KeyRejected,
        LinuxErrno.ENOMEM => KeyringStatus.OutOfMemory,
        LinuxErrno.ENODEV => KeyringStatus.UnknownKeyType,
        _ => KeyringStatus.OtherError,
    };

    /// <summary>A fixed explanation of <paramref name="status"/>; it never holds a description or key bytes.</summary>
    public static string GetMessage(KeyringStatus status) => status switch
    {
        KeyringStatus.Ok => "done",
        KeyringStatus.Unsupported => "the kernel has no keyring support (CONFIG_KEYS is off, or the keyring system calls are unknown on this architecture)",
        KeyringStatus.KeyNotFound => "no such key in the caller's keyrings",
        KeyringStatus.KeyExpired => "the key has expired",
        KeyringStatus.KeyRevoked => "the key has been revoked",
        KeyringStatus.QuotaExceeded => "the user's key quota is used up (/proc/sys/kernel/keys/maxkeys, maxbytes)",
        KeyringStatus.PermissionDenied => "permission denied: the caller does not possess the key, or a seccomp filter blocks the keyring calls",
        KeyringStatus.ReadNotSupported => "user space cannot read keys of this type (logon keys are readable only by the kernel)",
        KeyringStatus.InvalidArgument => "the kernel refused the description or payload",
        KeyringStatus.KeyRejected => "the key was rejected",
        KeyringStatus.BufferTooSmall => "the key's payload is longer than the buffer; nothing was copied",
        KeyringStatus.OutOfMemory => "the kernel could not allocate memory",
        KeyringStatus.UnknownKeyType => "the kernel does not know this key type",
        _ => "the keyring call failed",
    };

    /// <summary><c>ENOKEY (required key not available): no such key in the caller's keyrings</c>, or the message alone when no errno is involved.</summary>
    public static string Describe(KeyringResult result) =>
        result.Errno == LinuxErrno.None
            ? GetMessage(result.Status)
            : $"{LinuxErrors.Describe(result.Errno)}: {GetMessage(result.Status)}";
}
