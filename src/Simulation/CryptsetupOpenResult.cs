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
}
