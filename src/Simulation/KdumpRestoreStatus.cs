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

    /// <summary><c>total_keys</c> above 128: the kernel returns -1 and restores nothing.</summary>
    CountTooLarge = 6,

    /// <summary>The codec refused the blob (see <see cref="KdumpRestoreOutcome.Problem"/>); nothing was restored.</summary>
    BlobRefused = 7,

    /// <summary>
    /// The device tree's range gives a size other than 4 + 388 * <c>total_keys</c> (strict; the kernel reads
    /// only the address, so the loader and the blob disagree without it noticing).
    /// </summary>
    SizeMismatch = 8,

    /// <summary>
    /// Kernel mode: an entry with an empty description made the kernel hit <c>BUG_ON</c> in <c>__key_link_begin</c>
    /// (security/keys/keyring.c:1308); the entries before it were added, none after it.
    /// </summary>
    KernelBug = 9,
}
