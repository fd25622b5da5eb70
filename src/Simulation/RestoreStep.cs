using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Step 4: the panic boots the kdump kernel; its initramfs writes <c>yes</c> to <c>restore</c>, which restores
/// the keys to the user keyring, then opens each volume with cryptsetup.
/// </summary>
public sealed class RestoreStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Restore;

    /// <summary>Whether every volume was opened.</summary>
    public override bool Succeeded => VolumesOpened == Volumes.Count;

    /// <summary>What the client's write of <c>yes</c> to <c>restore</c> returned (the kernel reports success even when the restore failed).</summary>
    public ConfigfsResult RestoreWrite { get; init; }

    /// <summary>What the kernel's restore did.</summary>
    public required KdumpRestoreOutcome Outcome { get; init; }

    /// <summary>cryptsetup's result for each volume, in the order they were unlocked at boot.</summary>
    public required IReadOnlyList<CryptsetupOpenResult> Volumes { get; init; }

    /// <summary>Volumes opened.</summary>
    public int VolumesOpened => Volumes.Count(v => v.Status == CryptsetupStatus.Opened);
}
