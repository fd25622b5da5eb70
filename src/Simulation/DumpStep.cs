namespace CrashDmCrypt.Simulation;

/// <summary>Step 5: the dump is written (when the target could be opened), the key bytes left in reserved memory are counted, and the machine reboots.</summary>
public sealed class DumpStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Dump;

    /// <summary>Whether the vmcore was written. The blob is left in reserved memory as the kernel leaves it (kernel/crash_dump_dm_crypt.c:135 only reads).</summary>
    public override bool Succeeded => VmcoreWritten;

    /// <summary>Whether the encrypted dump target was open, so the vmcore was written.</summary>
    public bool VmcoreWritten { get; init; }

    /// <summary>Every range a load placed a blob at, in load order (a reload leaves the earlier blob where it was).</summary>
    public required IReadOnlyList<MemoryRange> Blobs { get; init; }

    /// <summary>Bytes of those ranges that are not zero after the restore.</summary>
    public int NonZeroBytes { get; init; }

    /// <summary>Whether every byte of those ranges is zero (only when no key was ever written there: the kdump kernel never clears them).</summary>
    public bool BlobZeroised => NonZeroBytes == 0;

    /// <summary>User keys the kdump kernel's keyring held when the reboot zeroised it.</summary>
    public int UserKeysZeroised { get; init; }
}
