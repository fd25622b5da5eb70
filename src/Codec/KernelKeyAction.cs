namespace CrashDmCrypt.Codec;

/// <summary>
/// What <c>key_create_or_update(user keyring, "user", key_desc, data, key_size, KEY_USR_ALL, KEY_ALLOC_IN_QUOTA)</c>
/// (kernel/crash_dump_dm_crypt.c:71-73) does with one entry of the blob in the kdump kernel.
/// </summary>
public enum KernelKeyAction
{
    /// <summary>A new <c>user</c> key is created and linked into the user keyring (security/keys/key.c:932-951).</summary>
    Created = 0,

    /// <summary>
    /// An earlier entry with the same description made the key; this entry replaces its payload (create-or-update,
    /// security/keys/key.c:904-908, 963-985, and <c>user_update</c>).
    /// </summary>
    Updated = 1,

    /// <summary>The key type or <c>key_alloc</c> refuses the entry (see <see cref="KernelRestoreEntry.Refusal"/>); the kernel ignores the error and goes on.</summary>
    Refused = 2,

    /// <summary>
    /// The answer depends on bytes the caller did not give (the entry lies past the input) or on bytes of the kdump
    /// kernel's heap (a description that runs past the blob and may equal an earlier one).
    /// </summary>
    Undetermined = 3,

    /// <summary>
    /// The kernel hits a BUG on this entry (an empty description, <see cref="KernelRestoreStatus.KernelBug"/>): it is
    /// the last entry handled, and nothing is added for it.
    /// </summary>
    KernelBug = 4,
}
