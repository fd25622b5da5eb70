using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Step 1: the machine boots; systemd-cryptsetup unlocks each volume and links its volume key as a logon key
/// <c>kdump-cryptsetup:vk-&lt;UUID&gt;</c> (crypttab <c>link-volume-key=@u::%logon:&lt;desc&gt;</c>, no expiry yet).
/// </summary>
public sealed class BootStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Boot;

    /// <summary>Whether every volume key was linked (and, with real LUKS2 images, every image was made).</summary>
    public override bool Succeeded => Volumes.All(v => v.LinkError == LinuxErrno.None && v.LuksImage is not { Succeeded: false });

    /// <summary>The model's RAM.</summary>
    public MemoryRange Memory { get; init; }

    /// <summary>The crashkernel reserved region (<c>crashkernel=</c>).</summary>
    public MemoryRange CrashKernelRegion { get; init; }

    /// <summary>The volumes, in the order they were unlocked.</summary>
    public required IReadOnlyList<LifeCycleVolume> Volumes { get; init; }
}
