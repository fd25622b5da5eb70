using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Simulation;

/// <summary>How the kdump kernel's restore ended.</summary>
public enum KdumpRestoreStatus
{
    /// <summary>The blob was read and its keys handed to the user keyring.</summary>
    Restored = 0,

    /// <summary>No <c>dmcryptkeys=</c> on the command line, or no <c>linux,dmcryptkeys</c> in the device tree (strict).</summary>
    AddressMissing = 1,

    /// <summary>The handoff is there but its value is refused (see the command-line or device-tree error; strict).</summary>
    AddressInvalid = 2,

    /// <summary>The address is not 4 KiB-aligned, so no loader placed a blob there (strict).</summary>
    AddressMisaligned = 3,

    /// <summary>The blob would not lie wholly inside the crashkernel region (strict).</summary>
    AddressOutsideRegion = 4,

    /// <summary>The address (or the blob it announces) is not backed by memory.</summary>
    OldMemoryUnreadable = 5,

    /// <summary><c>total_keys</c> above 128: the kernel returns -1 and restores nothing.</summary>
    CountTooLarge = 6,

    /// <summary>The codec refused the blob (see <see cref="KdumpRestoreOutcome.Problem"/>); nothing was restored.</summary>
    BlobRefused = 7,

    /// <summary>
    /// The device tree's range gives a size other than 4 + 388 * <c>total_keys</c> (strict; the kernel reads
    /// only the address, so the loader and the blob disagree without it noticing).
    /// </summary>
    SizeMismatch = 8,
}

/// <summary>What <c>restore_dm_crypt_keys_to_thread_keyring</c> did in the model.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Address">The address read from the handoff (0 when none).</param>
/// <param name="KeysRestored">Entries the user keyring accepted.</param>
/// <param name="KeysRefused">Entries the user keyring refused (kernel mode only: an empty description or a 0-byte key); the kernel ignores these errors.</param>
/// <param name="Problem">The codec's reason for <see cref="KdumpRestoreStatus.BlobRefused"/> and <see cref="KdumpRestoreStatus.CountTooLarge"/>.</param>
/// <param name="CommandLineError">Why <c>dmcryptkeys=</c> was refused, if it was.</param>
/// <param name="DeviceTreeError">Why the device tree was refused, if it was.</param>
/// <param name="OldMemoryZeroised">Whether the blob's bytes in old memory were zeroised afterwards (only ever inside the crashkernel region).</param>
public sealed record KdumpRestoreOutcome(
    KdumpRestoreStatus Status,
    ulong Address,
    int KeysRestored,
    int KeysRefused,
    KeyBlobProblem Problem,
    CommandLineError CommandLineError,
    DeviceTreeError DeviceTreeError,
    bool OldMemoryZeroised)
{
    /// <summary>Whether the blob was read and handed to the keyring.</summary>
    public bool Succeeded => Status == KdumpRestoreStatus.Restored;

    /// <summary>One line for a person.</summary>
    public string Message => Status switch
    {
        KdumpRestoreStatus.Restored => $"{KeysRestored} key(s) restored from 0x{Address:x}" + (KeysRefused > 0 ? $", {KeysRefused} refused by the keyring" : string.Empty),
        KdumpRestoreStatus.AddressMissing => "no blob address was handed over" + Detail(),
        KdumpRestoreStatus.AddressInvalid => "the blob address was refused" + Detail(),
        KdumpRestoreStatus.AddressMisaligned => $"address 0x{Address:x} is not 4 KiB-aligned",
        KdumpRestoreStatus.AddressOutsideRegion => $"the blob at 0x{Address:x} does not lie inside the crashkernel region",
        KdumpRestoreStatus.OldMemoryUnreadable => $"old memory at 0x{Address:x} is not readable",
        KdumpRestoreStatus.CountTooLarge => $"the blob at 0x{Address:x} announces more than 128 keys; nothing restored ({Problem})",
        KdumpRestoreStatus.BlobRefused => $"the blob at 0x{Address:x} is refused: {Problem}",
        KdumpRestoreStatus.SizeMismatch => $"the device tree's size for the blob at 0x{Address:x} does not match its total_keys",
        _ => Status.ToString(),
    };

    private string Detail() =>
        CommandLineError != CommandLineError.None ? $" (command line: {CommandLineError})"
        : DeviceTreeError != DeviceTreeError.None ? $" (device tree: {DeviceTreeError})"
        : string.Empty;
}

/// <summary>What a write to the kdump kernel's <c>restore</c> attribute did.</summary>
/// <param name="Error">What the <c>write()</c> returns: EINVAL only when <c>kstrtobool</c> fails. Restore errors never show here.</param>
/// <param name="Outcome">The restore this write triggered, or null when <c>restore</c> was already true.</param>
public sealed record RestoreWriteResult(LinuxErrno Error, KdumpRestoreOutcome? Outcome);
