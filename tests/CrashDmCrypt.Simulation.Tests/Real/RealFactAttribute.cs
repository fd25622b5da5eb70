using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>
/// A fact that needs the kernel keyring and cryptsetup; skipped, with the reason, when either is missing
/// (cryptsetup is installed first where apt-get can, see <see cref="CryptsetupAvailability"/>).
/// </summary>
public sealed class RealFactAttribute : FactAttribute
{
    public RealFactAttribute()
    {
        KeyringResult probe = KernelKeyring.Probe();
        if (!probe.Succeeded)
        {
            Skip = $"the kernel keyring is not usable here: {probe}";
        }
        else if (CryptsetupAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
