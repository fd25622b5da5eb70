using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>Why <see cref="FirstKernel.LoadCrashKernel"/> failed; each maps to the errno the kernel returns.</summary>
public enum KexecLoadFailure
{
    /// <summary>The load succeeded.</summary>
    None = 0,

    /// <summary>A key item has no description (<c>build_keys_header</c>: EINVAL).</summary>
    NoDescription = 1,

    /// <summary><c>request_key</c> found no logon key with the (possibly truncated) description: ENOKEY.</summary>
    LogonKeyNotFound = 2,

    /// <summary>The logon key's timeout has passed: EKEYEXPIRED.</summary>
    LogonKeyExpired = 3,

    /// <summary>The logon key's payload is above 256 bytes (<c>read_key_from_user_keying</c>: EINVAL).</summary>
    KeyTooLarge = 4,

    /// <summary>
    /// <c>reuse</c> is on but the item count changed since the blob was saved. The kernel would copy
    /// <c>4 + 388 * key_count</c> bytes from a copy of another size (a heap over-read when items were added);
    /// the model refuses with EINVAL instead.
    /// </summary>
    ReusedBlobSizeChanged = 5,

    /// <summary>No 4 KiB-aligned hole in the crashkernel region is large enough (<c>kexec_add_buffer</c>: EADDRNOTAVAIL).</summary>
    NoRoomInCrashKernelRegion = 6,
}

/// <summary>What the kernel accepted silently during a load.</summary>
[Flags]
public enum KexecLoadWarnings
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>More than 128 items (the 129th that configfs lets through): the blob holds 129 entries and the kdump kernel will refuse it.</summary>
    BlobAboveKeyLimit = 1,

    /// <summary>
    /// A 128-byte description was truncated to 127 and a logon key with the truncated name exists, so the
    /// blob carries that key under the truncated name, not the one the item names.
    /// </summary>
    DescriptionTruncated = 2,

    /// <summary>Two items share a description: the blob holds the key twice and the restore's create-or-update keeps one.</summary>
    DuplicateDescription = 4,

    /// <summary>The blob saved earlier was reused (<c>reuse</c> was 1); the keyring was not asked.</summary>
    Reused = 8,

    /// <summary>No key items: <c>crash_load_dm_crypt_keys</c> returned ENOENT, which the x86 loader ignores; no blob, no <c>dmcryptkeys=</c>.</summary>
    NoKeys = 16,
}

/// <summary>What <see cref="FirstKernel.LoadCrashKernel"/> did.</summary>
/// <param name="Error">The errno <c>kexec_file_load</c> returns; <see cref="LinuxErrno.None"/> on success.</param>
/// <param name="Failure">Why it failed.</param>
/// <param name="FailedItem">The key item that made it fail, or null.</param>
/// <param name="LookedUpDescription">The description the failing lookup used (after <c>strscpy</c> truncation), or null.</param>
/// <param name="Image">The loaded image on success.</param>
/// <param name="Warnings">What the kernel accepted silently.</param>
public sealed record KexecLoadResult(
    LinuxErrno Error,
    KexecLoadFailure Failure,
    string? FailedItem,
    string? LookedUpDescription,
    CrashImage? Image,
    KexecLoadWarnings Warnings)
{
    /// <summary>Whether the crash kernel is loaded.</summary>
    public bool Succeeded => Error == LinuxErrno.None;

    /// <summary>One line for a person.</summary>
    public string Message => Failure switch
    {
        KexecLoadFailure.None when Image is { HasKeys: true } i => $"loaded; {i.DmCryptKeys.Size} bytes of dm-crypt keys at 0x{i.DmCryptKeys.Start:x}",
        KexecLoadFailure.None => "loaded; no dm-crypt key items, so no blob",
        KexecLoadFailure.NoDescription => $"key item '{FailedItem}' has no description: {LinuxErrors.Describe(Error)}",
        KexecLoadFailure.LogonKeyNotFound => $"key item '{FailedItem}': no logon key '{LookedUpDescription}': {LinuxErrors.Describe(Error)}",
        KexecLoadFailure.LogonKeyExpired => $"key item '{FailedItem}': logon key '{LookedUpDescription}' has expired: {LinuxErrors.Describe(Error)}",
        KexecLoadFailure.KeyTooLarge => $"key item '{FailedItem}': logon key '{LookedUpDescription}' is larger than 256 bytes: {LinuxErrors.Describe(Error)}",
        KexecLoadFailure.ReusedBlobSizeChanged => $"reuse is on but the number of key items changed since the blob was saved: {LinuxErrors.Describe(Error)}",
        KexecLoadFailure.NoRoomInCrashKernelRegion => $"no room for the blob in the crashkernel region: {LinuxErrors.Describe(Error)}",
        _ => LinuxErrors.Describe(Error),
    };
}
