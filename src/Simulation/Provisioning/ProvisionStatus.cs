namespace CrashDmCrypt.Simulation.Provisioning;

/// <summary>How a <see cref="LuksProvisioner"/> run ended.</summary>
public enum ProvisionStatus
{
    /// <summary>Every volume's key was found, timed and named in configfs.</summary>
    Provisioned,

    /// <summary><c>reuse</c> read 1: the crash kernel reuses the blob in reserved memory, so nothing was done.</summary>
    Reused,

    /// <summary>A dry run found every key and could create every item; nothing was changed.</summary>
    Checked,

    /// <summary><c>reuse</c> could not be read (configfs not mounted, or no <c>CONFIG_CRASH_DM_CRYPT</c>); see <see cref="ProvisionResult.Reuse"/>.</summary>
    ReuseUnreadable,

    /// <summary>The configfs items could not be listed; see <see cref="ProvisionResult.Listed"/>.</summary>
    ListFailed,

    /// <summary>An item of a volume exists already, or the items would be more than the blob holds; nothing was changed.</summary>
    ItemsRefused,

    /// <summary>A volume's logon key was not found (missing, expired or revoked).</summary>
    KeyUnavailable,

    /// <summary>The kernel refused a volume's configfs item.</summary>
    ConfigfsRefused,

    /// <summary>The kernel refused a key's timeout.</summary>
    TimeoutRefused,
}
