using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Simulation;

/// <summary>The model machine and its kernels' settings. The defaults give a small x86_64-like machine.</summary>
internal sealed record KernelModelOptions
{
    /// <summary>Address handoff to the kdump kernel.</summary>
    public KdumpHandoff Handoff { get; init; } = KdumpHandoff.CommandLine;

    /// <summary>The CPU's byte order, which the blob's two u32 fields use.</summary>
    public KeyBlobByteOrder ByteOrder { get; init; } = KeyBlobByteOrder.LittleEndian;

    /// <summary>
    /// How the kdump kernel reads: <see cref="KeyBlobMode.Strict"/> (the default) also checks that the address
    /// is 4 KiB-aligned and the blob lies inside the crashkernel region, and validates the blob strictly;
    /// <see cref="KeyBlobMode.Kernel"/> reads what the real kernel reads, from any address.
    /// </summary>
    public KeyBlobMode RestoreMode { get; init; } = KeyBlobMode.Strict;

    /// <summary>First physical address of the model's RAM.</summary>
    public ulong MemoryBase { get; init; } = 0x2b00_0000;

    /// <summary>Bytes of RAM the model backs (3 MiB by default: ordinary memory around the crashkernel region).</summary>
    public int MemorySize { get; init; } = 3 << 20;

    /// <summary>Start of the crashkernel reserved region (<c>crashkernel=</c>).</summary>
    public ulong CrashKernelBase { get; init; } = 0x2b10_0000;

    /// <summary>Size of the crashkernel reserved region.</summary>
    public ulong CrashKernelSize { get; init; } = 1 << 20;

    /// <summary>Seed of the random placement of the blob (<c>kexec_buf.random</c>).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The clock key expiry uses; a new <see cref="ManualTimeProvider"/> when null.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Root <c>#address-cells</c> of the device tree handed over with <see cref="KdumpHandoff.DeviceTree"/>.</summary>
    public int DeviceTreeAddressCells { get; init; } = 2;

    /// <summary>Root <c>#size-cells</c> of that device tree.</summary>
    public int DeviceTreeSizeCells { get; init; } = 2;

    /// <summary>
    /// <c>cmdline_size</c> of the kdump kernel's bzImage setup header (x86_64: 2047), which bounds its command line
    /// (arch/x86/kernel/kexec-bzimage64.c:507-535); only the command-line handoff checks it.
    /// </summary>
    public int CommandLineSize { get; init; } = 2047;

    /// <summary>The kdump kernel's own parameters, which the loader appends after its generated ones.</summary>
    public string KdumpParameters { get; init; } = "irqpoll nr_cpus=1 reset_devices";
}
