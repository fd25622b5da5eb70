namespace CrashDmCrypt.Simulation;

/// <summary>Step 5: the dump is written (when the target could be opened), reserved memory is checked for key bytes, and the machine reboots.</summary>
public sealed class DumpStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Dump;

    /// <summary>Whether the vmcore was written and the blob's bytes are all zero.</summary>
    public override bool Succeeded => VmcoreWritten && BlobZeroised;

    /// <summary>Whether the encrypted dump target was open, so the vmcore was written.</summary>
    public bool VmcoreWritten { get; init; }

    /// <summary>Every range a load placed a blob at, in load order (a reload leaves the earlier blob where it was).</summary>
    public required IReadOnlyList<MemoryRange> Blobs { get; init; }

    /// <summary>Bytes of those ranges that are not zero after the restore.</summary>
    public int NonZeroBytes { get; init; }

    /// <summary>Whether every byte of those ranges is zero.</summary>
    public bool BlobZeroised => NonZeroBytes == 0;

    /// <summary>User keys the kdump kernel's keyring held when the reboot zeroised it.</summary>
    public int UserKeysZeroised { get; init; }
}
