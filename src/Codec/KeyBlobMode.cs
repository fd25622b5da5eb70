namespace CrashDmCrypt.Codec;

/// <summary>Which rule set the reader applies.</summary>
public enum KeyBlobMode
{
    /// <summary>
    /// The default: accept only what a real first kernel's <c>build_keys_header</c> can write
    /// and what is safe to restore.
    /// </summary>
    Strict = 0,

    /// <summary>
    /// Accept exactly what the kdump kernel's <c>restore_dm_crypt_keys_to_thread_keyring</c>
    /// accepts (count at most 128, enough bytes), except that nothing is ever read past an
    /// entry: a <c>key_size</c> above 256, or a description with no NUL before the entry ends,
    /// is an error here although the kernel would read on.
    /// </summary>
    Kernel = 1,
}
