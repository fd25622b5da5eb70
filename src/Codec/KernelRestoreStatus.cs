namespace CrashDmCrypt.Codec;

/// <summary>How <c>restore_dm_crypt_keys_to_thread_keyring</c> (kernel/crash_dump_dm_crypt.c:101-146) ends for a blob.</summary>
public enum KernelRestoreStatus
{
    /// <summary>The count is at most 128: the kernel copies the blob and calls <c>key_create_or_update</c> once per entry (count 0: none).</summary>
    EntriesHandled = 0,

    /// <summary>
    /// <c>total_keys</c> above 128: the kernel returns -1 before it allocates anything, and adds no key
    /// (kernel/crash_dump_dm_crypt.c:119-123). <c>config_keys_restore_store</c> ignores the result.
    /// </summary>
    CountTooLarge = 1,

    /// <summary>Fewer than 4 bytes were given: the count the kernel reads lies past the input.</summary>
    CountNotInInput = 2,

    /// <summary>
    /// An entry with an empty description (NUL at <c>key_desc[0]</c>) and a key size the <c>user</c> type accepts reaches
    /// <c>BUG_ON(index_key-&gt;desc_len == 0)</c> in <c>__key_link_begin</c> (security/keys/keyring.c:1308): the kdump
    /// kernel oopses, the writing task is killed, no later entry is handled and the user keyring's lock stays held.
    /// The entries before it were added. Seen on Linux 7.2.13 in the real-kernel lab (lab/README.md).
    /// </summary>
    KernelBug = 3,
}
