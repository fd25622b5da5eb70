using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Kernel.Tests.Keyring;

/// <summary>A fact that needs the kernel keyring; skipped, with the reason, where the kernel has none or a filter blocks it.</summary>
public sealed class KeyringFactAttribute : FactAttribute
{
    public KeyringFactAttribute()
    {
        KeyringResult probe = KernelKeyring.Probe();
        if (!probe.Succeeded)
        {
            Skip = $"the kernel keyring is not usable here: {probe}";
        }
    }
}
