namespace CrashDmCrypt.Simulation;

/// <summary>
/// The result of <see cref="KdumpLifeCycle.Run"/>: one typed record per step reached, the failure reason,
/// and the counts that sum it up. It holds descriptions, sizes and addresses, never key bytes.
/// </summary>
public sealed class LifeCycleReport
{
    /// <summary>The settings used.</summary>
    public required LifeCycleOptions Options { get; init; }

    /// <summary>Step 1 (always run).</summary>
    public required BootStep Boot { get; init; }

    /// <summary>Step 2 (always run).</summary>
    public required ConfigfsStep Configfs { get; init; }

    /// <summary>Step 3; null when step 2 failed.</summary>
    public LoadStep? Load { get; init; }

    /// <summary>The hot-plug reload between steps 3 and 4 (<see cref="LifeCycleOptions.Hotplug"/>); else null.</summary>
    public HotplugStep? Hotplug { get; init; }

    /// <summary>Step 4; null when step 2 or 3 failed, or no crash kernel was loaded after the hot-plug.</summary>
    public RestoreStep? Restore { get; init; }

    /// <summary>Step 5; null when step 4 is.</summary>
    public DumpStep? Dump { get; init; }

    /// <summary>Why the run failed; <see cref="LifeCycleFailure.None"/> when it passed.</summary>
    public LifeCycleFailure Failure { get; init; }

    /// <summary>Whether every volume was opened in the kdump kernel and the blob wiped.</summary>
    public bool Succeeded => Failure == LifeCycleFailure.None;

    /// <summary>The steps reached, in order (a failed step 2 or 3 ends the run).</summary>
    public IReadOnlyList<LifeCycleStep> Steps =>
        new LifeCycleStep?[] { Boot, Configfs, Load, Hotplug, Restore, Dump }.OfType<LifeCycleStep>().ToArray();

    /// <summary>The crash kernel the panic boots: the reload's after a hot-plug, else the load's; null when none is loaded.</summary>
    public CrashImage? CrashImage => Hotplug is { } hotplug ? hotplug.Reload?.Image : Load?.Load.Image;

    /// <summary>Volumes unlocked at boot.</summary>
    public int Volumes => Boot.Volumes.Count;

    /// <summary>Key items created in configfs.</summary>
    public int KeysProvisioned => Configfs.ItemsCreated;

    /// <summary>Size of the blob handed to the kdump kernel (0 when none).</summary>
    public int BlobSize => (int)(CrashImage?.DmCryptKeys.Size ?? 0);

    /// <summary>Address of the blob handed to the kdump kernel (0 when none).</summary>
    public ulong BlobAddress => CrashImage?.DmCryptKeys.Start ?? 0;

    /// <summary>The kdump kernel's command line, or null when no crash kernel is loaded.</summary>
    public string? KdumpCommandLine => CrashImage?.CommandLine;

    /// <summary>Keys the kdump kernel added to the user keyring.</summary>
    public int KeysRestored => Restore?.Outcome.KeysRestored ?? 0;

    /// <summary>Volumes cryptsetup opened with the restored keys.</summary>
    public int VolumesOpened => Restore?.VolumesOpened ?? 0;

    /// <summary>Whether every blob's bytes in reserved memory were all zero after the restore.</summary>
    public bool MemoryZeroised => Dump?.BlobZeroised ?? false;
}
