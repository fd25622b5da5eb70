namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>File names in <c>/sys/kernel/config/crash_dm_crypt_keys</c> (<c>kernel/crash_dump_dm_crypt.c</c>).</summary>
public static class ConfigfsAttributes
{
    /// <summary>Where the kernel registers the subsystem.</summary>
    public const string DefaultRoot = "/sys/kernel/config/crash_dm_crypt_keys";

    /// <summary>Per key item, read/write: the logon key's description (<c>config_key_description_store</c>).</summary>
    public const string Description = "description";

    /// <summary>First kernel, read-only: the number of key items (<c>config_keys_count_show</c>).</summary>
    public const string Count = "count";

    /// <summary>First kernel, read/write bool: reuse the saved blob on the next load (<c>config_keys_reuse_store</c>).</summary>
    public const string Reuse = "reuse";

    /// <summary>kdump kernel, read/write bool: restore the keys to the user keyring (<c>config_keys_restore_store</c>).</summary>
    public const string Restore = "restore";

    /// <summary>Whether <paramref name="name"/> is one of the attribute files of the root directory, so no item can take it.</summary>
    public static bool IsRootAttribute(string name) =>
        name is Count or Reuse or Restore;
}
