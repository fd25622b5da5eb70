namespace CrashDmCrypt.Simulation;

/// <summary>
/// The constants of kdump-utils, the one user-space peer of the kernel's dm-crypt keys interface
/// (<c>kdumpctl</c> <c>prepare_luks</c>, <c>kdump-udev-throttler</c>, <c>99kdumpbase/kexec-crypt-setup.sh</c>),
/// which the life cycle follows.
/// </summary>
public static class KdumpUtils
{
    /// <summary><c>LUKS_KEY_PRFIX</c>: a volume's logon key is <c>kdump-cryptsetup:vk-&lt;LUKS UUID&gt;</c>, its configfs item <c>&lt;LUKS UUID&gt;</c>.</summary>
    public const string KeyDescriptionPrefix = "kdump-cryptsetup:vk-";

    /// <summary><c>keyctl timeout &lt;id&gt; 300</c>: <c>prepare_luks</c> lets each logon key expire 5 minutes after it is provisioned.</summary>
    public static readonly TimeSpan KeyTimeout = TimeSpan.FromSeconds(300);

    /// <summary>The value <c>kexec-crypt-setup.sh</c> writes to <c>restore</c> (<c>echo 1</c>) unless it already reads 1.</summary>
    public const string RestoreValue = "1";
}
