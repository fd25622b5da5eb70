using CrashDmCrypt.Kernel;

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
}
