namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>The key types the dm-crypt keys life cycle uses.</summary>
public enum KeyType
{
    /// <summary>
    /// <c>user</c>: readable by user space with <c>KEYCTL_READ</c>, 1..32767 bytes. The kdump kernel restores
    /// the blob's keys as user keys; cryptsetup's <c>--volume-key-keyring %user:DESC</c> reads them.
    /// </summary>
    User = 0,

    /// <summary>
    /// <c>logon</c>: like <c>user</c>, but user space can never read the payload back (no read method), and the
    /// description must hold a <c>:</c> that is not its first character (<c>logon_vet_description</c>). The
    /// first kernel's <c>build_keys_header</c> looks the volume keys up as logon keys.
    /// </summary>
    Logon = 1,

    /// <summary><c>keyring</c>: a keyring; its payload must be empty.</summary>
    Keyring = 2,
}
