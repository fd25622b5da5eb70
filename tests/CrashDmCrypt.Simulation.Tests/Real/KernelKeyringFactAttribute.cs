using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>A fact that needs the kernel keyring only; skipped, with the reason, where the kernel has none or a filter blocks it.</summary>
public sealed class KernelKeyringFactAttribute : FactAttribute
{
    public KernelKeyringFactAttribute() => Skip = SkipReason;

    /// <summary>Why the kernel keyring cannot be used here, or null when it can.</summary>
    internal static string? SkipReason =>
        KernelKeyring.Probe() is { Succeeded: false } probe ? $"the kernel keyring is not usable here: {probe}" : null;
}
