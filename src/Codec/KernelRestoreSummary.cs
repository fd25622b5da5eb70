namespace CrashDmCrypt.Codec;

/// <summary>What <see cref="KeyBlobKernelRestore.Evaluate"/> found about the blob as a whole.</summary>
public readonly record struct KernelRestoreSummary
{
    /// <summary>How the kernel's restore ends.</summary>
    public KernelRestoreStatus Status { get; internal init; }

    /// <summary><c>total_keys</c> as read (it can be above 128); 0 when it lies past the input.</summary>
    public uint Count { get; internal init; }

    /// <summary>4 + 388 × count, the bytes the kernel copies from old memory; 0 unless <see cref="Status"/> is <see cref="KernelRestoreStatus.EntriesHandled"/>.</summary>
    public int BlobSize { get; internal init; }

    /// <summary>Bytes of the blob past the end of the input (old memory the caller did not give).</summary>
    public int BytesPastInput { get; internal init; }

    /// <summary>Entries written to the caller's span: the count, or 0.</summary>
    public int EntryCount { get; internal init; }
}
