namespace CrashDmCrypt.Simulation;

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

    /// <summary>No key items: <c>crash_load_dm_crypt_keys</c> returns 0 (kernel/crash_dump_dm_crypt.c:421-424); no blob, no <c>dmcryptkeys=</c>.</summary>
    NoKeys = 16,

    /// <summary>
    /// Kernel defect: <c>reuse</c> was on and the item count differs from the saved copy's. The kernel hands
    /// 4 + 388 * key_count bytes of its <c>keys_header</c> to <c>kexec_add_buffer</c> with no check
    /// (kernel/crash_dump_dm_crypt.c:426, :435-436): more items read past the copy on the heap, fewer drop entries
    /// while the copy's <c>total_keys</c> still names them.
    /// </summary>
    ReusedCopySizeMismatch = 32,
}
