namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// Things the kernel accepts silently but that will hurt later. A <see cref="ConfigfsClient"/> result
/// carries them next to its status.
/// </summary>
[Flags]
public enum ConfigfsWarnings
{
    /// <summary>Nothing to report.</summary>
    None = 0,

    /// <summary>
    /// The description is exactly 128 bytes: configfs stores it, but <c>build_keys_header</c> copies it with
    /// <c>strscpy(..., 128)</c>, keeping 127, and the logon-key lookup then uses that shorter name and fails the load.
    /// </summary>
    DescriptionTruncatedByKernel = 1,

    /// <summary>
    /// This is the 129th item: <c>config_keys_make_item</c> checks <c>key_count &gt; 128</c>, so it accepts it,
    /// but the kdump kernel refuses a blob of more than 128 keys and restores none of them.
    /// </summary>
    ItemBeyondKeyLimit = 2,

    /// <summary>The description is not <c>prefix:rest</c>: no logon key can carry it, so the kexec load will fail with ENOKEY.</summary>
    DescriptionNotLogonForm = 4,

    /// <summary>A failed add could not remove the item it had created; remove it by hand.</summary>
    RollbackFailed = 8,

    /// <summary><c>restore</c> already reads 1: the kernel restores only on the first true write, so this write restored nothing.</summary>
    RestoreAlreadyDone = 16,
}
