namespace CrashDmCrypt.Simulation;

/// <summary>Why the model's <c>kexec_file_load</c> failed; each maps to the errno the kernel returns.</summary>
public enum KexecLoadFailure
{
    /// <summary>The load succeeded.</summary>
    None = 0,

    /// <summary>A key item has no description (<c>build_keys_header</c>: EINVAL).</summary>
    NoDescription = 1,

    /// <summary><c>request_key</c> found no logon key with the (possibly truncated) description: ENOKEY.</summary>
    LogonKeyNotFound = 2,

    /// <summary>
    /// The logon key's timeout has passed. The load still returns ENOKEY, not EKEYEXPIRED: <c>request_key</c>
    /// passes over expired keys (<c>KEYRING_SEARCH_SKIP_EXPIRED</c>), as the real kernel shows.
    /// </summary>
    LogonKeyExpired = 3,

    /// <summary>The logon key's payload is above 256 bytes (<c>read_key_from_user_keyring</c>: EINVAL).</summary>
    KeyTooLarge = 4,

    /// <summary>No 4 KiB-aligned hole in the crashkernel region is large enough (<c>kexec_add_buffer</c>: EADDRNOTAVAIL).</summary>
    NoRoomInCrashKernelRegion = 6,

    /// <summary>
    /// The logon key was revoked: <c>request_key</c> says EKEYREVOKED (security/keys/keyring.c:595-600), as does
    /// <c>read_key_from_user_keyring</c> when the payload is gone (kernel/crash_dump_dm_crypt.c:164-167).
    /// </summary>
    LogonKeyRevoked = 7,

    /// <summary>
    /// x86_64: the command line with <c>elfcorehdr=</c> (30 bytes reserved) and, once a blob is placed,
    /// <c>dmcryptkeys=</c> (31 more) would not fit <c>cmdline_size</c>: EINVAL (arch/x86/kernel/kexec-bzimage64.c:507-535).
    /// </summary>
    CommandLineTooLong = 8,
}
