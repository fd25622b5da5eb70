namespace CrashDmCrypt.Simulation;

/// <summary>
/// The model machine: physical memory with a crashkernel reserved region, a clock and a seeded random
/// source. Boot a <see cref="FirstKernel"/> on it; its crash boots a <see cref="KdumpKernel"/> on the same memory.
/// Disposing the machine zeroises its memory.
/// </summary>
internal sealed class Machine : IDisposable
{
    /// <summary>A machine with <paramref name="options"/> (the defaults when null).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The crashkernel region is not 4 KiB-aligned or not inside the memory.</exception>
    public Machine(KernelModelOptions? options = null)
    {
        Options = options ?? new KernelModelOptions();
        Memory = new ModelRam(Options.MemoryBase, Options.MemorySize);
        CrashKernelRegion = new MemoryRange(Options.CrashKernelBase, Options.CrashKernelSize);
        if (Options.CrashKernelBase % PageSize != 0 || Options.CrashKernelSize % PageSize != 0
            || Options.CrashKernelSize == 0 || !Memory.Range.Contains(Options.CrashKernelBase, Options.CrashKernelSize))
        {
            Memory.Dispose();
            throw new ArgumentOutOfRangeException(nameof(options), $"The crashkernel region {CrashKernelRegion} must be page-aligned and inside memory {Memory.Range}.");
        }

        Clock = Options.Clock ?? new ManualTimeProvider();
        Random = new Random(Options.Seed);
    }

    /// <summary>Page size of the model (x86_64 and most arm64 kernels).</summary>
    public const int PageSize = 4096;

    /// <summary>The settings.</summary>
    public KernelModelOptions Options { get; }

    /// <summary>The RAM; the kdump kernel's old memory after a crash.</summary>
    public ModelRam Memory { get; }

    /// <summary>The crashkernel reserved region, where kexec places the kdump kernel's segments.</summary>
    public MemoryRange CrashKernelRegion { get; }

    /// <summary>The clock key expiry is measured against.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The placement randomness (seeded from <see cref="KernelModelOptions.Seed"/>).</summary>
    internal Random Random { get; }

    /// <summary>Boots the first (production) kernel, with the model's logon keyring or <paramref name="logonKeyring"/>, which it then owns.</summary>
    public FirstKernel BootFirstKernel(IKeyring? logonKeyring = null) => new(this, logonKeyring);

    /// <summary>Zeroises the memory.</summary>
    public void Dispose() => Memory.Dispose();
}
