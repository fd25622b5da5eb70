namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>
/// The mapping from the keyring calls' errno to <see cref="KeyringStatus"/>. The words for each status are the
/// tool's (src/Cli/Common/KeyringText.cs): a result is data, a status and an errno.
/// </summary>
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
}
