using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The words for what the kernel keyring calls return (<c>CDC5nn</c>, spec/ERRORS.md): the library returns a status
/// and an errno; only the tool writes sentences. No text holds a description or key bytes.
/// </summary>
internal static class KeyringText
{
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
        KeyringStatus.OtherError => "the keyring call failed with another errno",
        _ => "the keyring call failed",
    };

    /// <summary>
    /// <c>CDC502 ENOKEY (required key not available): no such key in the caller's keyrings</c>; without the errno when
    /// none is involved; <c>ok</c> on success.
    /// </summary>
    public static string Describe(KeyringResult result) =>
        result.Succeeded ? "ok"
        : result.Errno == LinuxErrno.None ? $"{result.Code} {GetMessage(result.Status)}"
        : $"{result.Code} {ErrnoText.Describe(result.Errno)}: {GetMessage(result.Status)}";
}
