namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>
/// A fact that needs the kernel keyring and cryptsetup; skipped, with the reason, when either is missing
/// (cryptsetup is installed first where apt-get can, see <see cref="CryptsetupAvailability"/>).
/// </summary>
public sealed class RealFactAttribute : FactAttribute
{
    public RealFactAttribute() => Skip = KernelKeyringFactAttribute.SkipReason ?? CryptsetupAvailability.SkipReason;
}
