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

    /// <summary>Step 4; null when step 2 or 3 failed.</summary>
    public RestoreStep? Restore { get; init; }

    /// <summary>Step 5; null when step 2 or 3 failed.</summary>
    public DumpStep? Dump { get; init; }

    /// <summary>Why the run failed; <see cref="LifeCycleFailure.None"/> when it passed.</summary>
    public LifeCycleFailure Failure { get; init; }

    /// <summary>Whether every volume was opened in the kdump kernel and the blob wiped.</summary>
    public bool Succeeded => Failure == LifeCycleFailure.None;

    /// <summary>The steps reached, in order (a failed step 2 or 3 ends the run).</summary>
    public IReadOnlyList<LifeCycleStep> Steps =>
        new LifeCycleStep?[] { Boot, Configfs, Load, Restore, Dump }.OfType<LifeCycleStep>().ToArray();

    /// <summary>Volumes unlocked at boot.</summary>
    public int Volumes => Boot.Volumes.Count;

    /// <summary>Key items created in configfs.</summary>
    public int KeysProvisioned => Configfs.ItemsCreated;

    /// <summary>Blob size in bytes (0 when none was written).</summary>
    public int BlobSize => (int)(Load?.Load.Image?.DmCryptKeys.Size ?? 0);

    /// <summary>Blob address (0 when none).</summary>
    public ulong BlobAddress => Load?.Load.Image?.DmCryptKeys.Start ?? 0;

    /// <summary>The kdump kernel's command line, or null when the load did not happen or failed.</summary>
    public string? KdumpCommandLine => Load?.Load.Image?.CommandLine;

    /// <summary>Keys the kdump kernel added to the user keyring.</summary>
    public int KeysRestored => Restore?.Outcome.KeysRestored ?? 0;

    /// <summary>Volumes cryptsetup opened with the restored keys.</summary>
    public int VolumesOpened => Restore?.VolumesOpened ?? 0;

    /// <summary>Whether the blob's bytes in reserved memory were all zero after the restore.</summary>
    public bool MemoryZeroised => Dump?.BlobZeroised ?? false;
}
