using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Step 3: <c>kexec_file_load</c> of the crash kernel builds the blob and places it in the crashkernel region;
/// <c>kdumpctl</c>'s EXIT trap then removes every configfs item (the blob stays in reserved memory), and the
/// logon keys' timeout passes while the blob waits.
/// </summary>
public sealed class LoadStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Load;

    /// <summary>Whether the crash kernel was loaded.</summary>
    public override bool Succeeded => Load.Succeeded;

    /// <summary>What the load returned: errno, reason, warnings and the image (ELF headers, blob range, command line, device tree).</summary>
    public required KexecLoadResult Load { get; init; }

    /// <summary>
    /// The <c>/chosen/linux,dmcryptkeys</c> range read back from the image's device tree with
    /// <c>DeviceTree.TryReadDmCryptKeys</c>; null without a device tree or when it cannot be read.
    /// </summary>
    public DmCryptKeysRange? DeviceTreeRange { get; init; }

    /// <summary>Bytes of the first kernel's own plaintext copy of the blob (<c>keys_header</c>, kept for the reuse path); 0 when none.</summary>
    public int SavedCopySize { get; init; }

    /// <summary>
    /// Every plaintext copy of keys the first kernel holds after the load, the failed ones included
    /// (<see cref="FirstKernel.PlaintextLeftBehind"/>): what an audit of a vmcore from this kernel finds besides the blob.
    /// </summary>
    public IReadOnlyList<PlaintextCopy> FirstKernelPlaintextCopies { get; init; } = [];

    /// <summary>Items the EXIT trap removed (<c>find $LUKS_CONFIGFS/ -mindepth 1 -type d -delete</c>).</summary>
    public int ItemsRemoved { get; init; }

    /// <summary>What <c>count</c> read after the EXIT trap.</summary>
    public ConfigfsResult<int> CountAfterCleanup { get; init; }

    /// <summary>Whether the blob in reserved memory is byte for byte what was loaded, after the items were removed.</summary>
    public bool BlobIntactAfterCleanup { get; init; }

    /// <summary>How long the run waited after the load, before the crash (longer than the keys' timeout).</summary>
    public TimeSpan Waited { get; init; }

    /// <summary>What <c>request_key</c> for the first volume's logon key returned after the wait (ENOKEY: the keys are gone, the blob is not).</summary>
    public LinuxErrno LogonKeyAfterWait { get; init; }

    /// <summary>What <c>keyctl search</c> for that key returned after the wait (EKEYEXPIRED: it expired, rather than never existed).</summary>
    public LinuxErrno LogonKeySearchAfterWait { get; init; }

    /// <summary>
    /// With <see cref="KeyringBackend.Kernel"/>: the timeout each real logon key was given after the load so that
    /// the kernel expires it during the run (kdumpctl's 300 s are not waited out); null in the model.
    /// </summary>
    public TimeSpan? RealKeyTimeout { get; init; }
}
