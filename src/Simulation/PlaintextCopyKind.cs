namespace CrashDmCrypt.Simulation;

/// <summary>A plaintext copy of the keys that the real kernel leaves in its memory, and so in a vmcore.</summary>
public enum PlaintextCopyKind
{
    /// <summary>The first kernel's <c>keys_header</c> after a load, kept for the reuse path (kernel/crash_dump_dm_crypt.c:375, :435).</summary>
    KeysHeader = 0,

    /// <summary>
    /// A first-kernel <c>keys_header</c> left after a failed <c>build_keys_header</c>: the entries before the failure
    /// (kernel/crash_dump_dm_crypt.c:389-401 return without freeing it).
    /// </summary>
    PartialKeysHeader = 1,

    /// <summary>
    /// A first-kernel <c>keys_header</c> freed with <c>kvfree</c>, which does not clear it: by the next build (:372-373) or
    /// after a failed <c>kexec_add_buffer</c> (:444, which also leaves the pointer dangling).
    /// </summary>
    FreedKeysHeader = 2,

    /// <summary>The kdump kernel's copy of the blob from a restore (:129); it is never freed, one per restore.</summary>
    KdumpKeysHeader = 3,
}
