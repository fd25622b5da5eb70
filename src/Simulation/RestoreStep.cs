using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Step 4: the panic boots the kdump kernel; its initramfs (<c>kexec-crypt-setup.sh</c>) writes <c>1</c> to
/// <c>restore</c> unless it reads 1, which restores the keys to the user keyring; then a udev rule opens each
/// volume with <c>cryptsetup luksOpen --volume-key-keyring %user:&lt;desc&gt;</c>.
/// </summary>
public sealed class RestoreStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Restore;

    /// <summary>Whether every volume was opened.</summary>
    public override bool Succeeded => VolumesOpened == Volumes.Count;

    /// <summary>What <c>restore</c> read first.</summary>
    public ConfigfsResult<bool> RestoreBefore { get; init; }

    /// <summary>Whether <c>1</c> was written (it is not when <c>restore</c> already reads 1).</summary>
    public bool RestoreWritten { get; init; }

    /// <summary>What the write returned (the kernel reports success even when the restore failed).</summary>
    public LinuxErrno RestoreWriteError { get; init; }

    /// <summary>What the kernel's restore did.</summary>
    public required KdumpRestoreOutcome Outcome { get; init; }

    /// <summary>cryptsetup's result for each volume, in the order they were unlocked at boot.</summary>
    public required IReadOnlyList<CryptsetupOpenResult> Volumes { get; init; }

    /// <summary>The plaintext copies of the blob the real kdump kernel keeps after the restore (<see cref="KdumpKernel.PlaintextLeftBehind"/>).</summary>
    public IReadOnlyList<PlaintextCopy> KdumpPlaintextCopies { get; init; } = [];

    /// <summary>Volumes opened.</summary>
    public int VolumesOpened => Volumes.Count(v => v.Status == CryptsetupStatus.Opened);
}
