using CrashDmCrypt.Kernel;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>A LUKS volume unlocked at boot, and what linking its volume key as a logon key returned. Never holds key bytes.</summary>
public sealed class LifeCycleVolume
{
    /// <summary>The LUKS UUID.</summary>
    public required string Uuid { get; init; }

    /// <summary>The logon key's description (<c>kdump-cryptsetup:vk-&lt;UUID&gt;</c>).</summary>
    public required string KeyDescription { get; init; }

    /// <summary>The volume key's length in bytes.</summary>
    public int KeySize { get; init; }

    /// <summary>What <c>add_key("logon", ...)</c> returned; <see cref="LinuxErrno.None"/> when linked.</summary>
    public LinuxErrno LinkError { get; init; }

    /// <summary>The real logon key's serial (<see cref="KeyringBackend.Kernel"/>); 0 in the model.</summary>
    public int LogonKeySerial { get; init; }

    /// <summary>What <c>keyctl read</c> of the real logon key returned (EOPNOTSUPP: user space cannot read it); <see cref="LinuxErrno.None"/> in the model, which does not try.</summary>
    public LinuxErrno ReadBackError { get; init; }

    /// <summary>How <c>cryptsetup luksFormat</c> of the volume's real LUKS2 image ended (<see cref="LuksBackend.Cryptsetup"/>); null in the model.</summary>
    public LuksCheckResult? LuksImage { get; init; }
}
