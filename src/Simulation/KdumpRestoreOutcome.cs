using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Simulation;

/// <summary>What the model's <c>restore_dm_crypt_keys_to_thread_keyring</c> did.</summary>
public sealed class KdumpRestoreOutcome
{
    /// <summary>How it ended.</summary>
    public KdumpRestoreStatus Status { get; init; }

    /// <summary>The address read from the handoff (0 when none, and in kernel mode when the handoff was refused).</summary>
    public ulong Address { get; init; }

    /// <summary><c>total_keys</c> as read from old memory; 0 when it was not read.</summary>
    public uint TotalKeys { get; init; }

    /// <summary>Entries the user keyring accepted.</summary>
    public int KeysRestored { get; init; }

    /// <summary>Entries the user keyring refused (kernel mode only: an empty description or a 0-byte key); the kernel ignores these errors.</summary>
    public int KeysRefused { get; init; }

    /// <summary>The codec's reason for <see cref="KdumpRestoreStatus.BlobRefused"/> and <see cref="KdumpRestoreStatus.CountTooLarge"/>; else <c>default</c>.</summary>
    public KeyBlobProblem Problem { get; init; }

    /// <summary>Why <c>dmcryptkeys=</c> was refused, if it was.</summary>
    public CommandLineError CommandLineError { get; init; }

    /// <summary>Why the device tree was refused, if it was.</summary>
    public DeviceTreeError DeviceTreeError { get; init; }

    /// <summary>Kernel mode: what the kernel did with each entry, in blob order; empty in strict mode and when nothing was read.</summary>
    public IReadOnlyList<KernelRestoreEntry> Entries { get; init; } = [];

    /// <summary>Whether the blob was read and handed to the keyring.</summary>
    public bool Succeeded => Status == KdumpRestoreStatus.Restored;
}
