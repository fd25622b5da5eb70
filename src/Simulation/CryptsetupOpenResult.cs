using CrashDmCrypt.Kernel;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>One <c>cryptsetup open --volume-key-keyring %user:&lt;description&gt;</c> in the kdump kernel.</summary>
public sealed class CryptsetupOpenResult
{
    /// <summary>The volume's LUKS UUID.</summary>
    public required string Uuid { get; init; }

    /// <summary>The <c>--volume-key-keyring</c> value passed.</summary>
    public required string KeyringSpec { get; init; }

    /// <summary>How it ended.</summary>
    public CryptsetupStatus Status { get; init; }

    /// <summary>The real user key's serial that <c>request_key</c> found (<see cref="KeyringBackend.Kernel"/>); 0 otherwise.</summary>
    public int UserKeySerial { get; init; }

    /// <summary>What <c>keyctl read</c> of the real user key returned; <see cref="LinuxErrno.None"/> otherwise.</summary>
    public LinuxErrno ReadBackError { get; init; }

    /// <summary>Whether the key read back equals the volume key (compared in constant time); null when no key was read.</summary>
    public bool? KeyMatches { get; init; }

    /// <summary>cryptsetup's verdict on the key against the volume's LUKS2 header (<see cref="LuksBackend.Cryptsetup"/>); null otherwise or when no key was found.</summary>
    public LuksCheckResult? LuksCheck { get; init; }

    /// <summary>What <c>keyctl revoke</c> of the real user key returned after the check; null when nothing was revoked.</summary>
    public LinuxErrno? Revoked { get; init; }
}
