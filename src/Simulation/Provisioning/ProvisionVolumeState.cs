namespace CrashDmCrypt.Simulation.Provisioning;

/// <summary>Where one volume got to in a <see cref="LuksProvisioner"/> run.</summary>
public enum ProvisionVolumeState
{
    /// <summary>Nothing done for it (the run stopped before it, or at another volume).</summary>
    Untouched,

    /// <summary>Its key was found (and, in a dry run, its item could be created).</summary>
    Checked,

    /// <summary>Its key's timeout was set and its item created.</summary>
    Provisioned,

    /// <summary>Its item was created, then removed again because a later step failed.</summary>
    Removed,

    /// <summary>This volume's key, item or timeout failed.</summary>
    Refused,
}
