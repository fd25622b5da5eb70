namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>
/// How a kernel keyring call ended. Refusals are statuses, never exceptions; each failure has a stable code
/// <c>CDC5nn</c> (<see cref="KeyringResult.Code"/>) and keeps its errno in <see cref="KeyringResult.Errno"/>.
/// </summary>
public enum KeyringStatus
{
    /// <summary>Done.</summary>
    Ok = 0,

    /// <summary>
    /// ENOSYS: the kernel has no keyring support (<c>CONFIG_KEYS</c> off), or this process architecture has
    /// no known syscall numbers for it.
    /// </summary>
    Unsupported = 501,

    /// <summary>ENOKEY: no such key, or <c>request_key</c> found none in the caller's keyrings.</summary>
    KeyNotFound = 502,

    /// <summary>EKEYEXPIRED: the key's timeout has passed.</summary>
    KeyExpired = 503,

    /// <summary>EKEYREVOKED: the key was revoked.</summary>
    KeyRevoked = 504,

    /// <summary>EDQUOT: the user's key quota (count or bytes) is used up.</summary>
    QuotaExceeded = 505,

    /// <summary>
    /// EACCES or EPERM: the key's permissions refuse the operation (the caller does not possess it), or a
    /// seccomp filter (e.g. a container's default profile) blocks the keyring calls.
    /// </summary>
    PermissionDenied = 506,

    /// <summary>EOPNOTSUPP: the key type cannot be read by user space (<c>logon</c> keys).</summary>
    ReadNotSupported = 507,

    /// <summary>EINVAL, or refused before the call: a bad description (a NUL inside, too long, not <c>prefix:rest</c> for logon) or payload size.</summary>
    InvalidArgument = 508,

    /// <summary>EKEYREJECTED: a negative key instantiated with <c>KEYCTL_REJECT</c>.</summary>
    KeyRejected = 509,

    /// <summary>The payload is longer than the caller's buffer; nothing was copied. The result's value is the payload's length.</summary>
    BufferTooSmall = 510,

    /// <summary>ENOMEM: the kernel could not allocate memory.</summary>
    OutOfMemory = 511,

    /// <summary>ENODEV: the kernel does not know the key type.</summary>
    UnknownKeyType = 512,

    /// <summary>Another errno; see <see cref="KeyringResult.Errno"/>.</summary>
    OtherError = 513,
}
