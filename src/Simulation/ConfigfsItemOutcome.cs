using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>One key item kdump user space asked configfs to create, and what the configfs client returned.</summary>
public sealed class ConfigfsItemOutcome
{
    /// <summary>The item's directory name.</summary>
    public required string Name { get; init; }

    /// <summary>The description written into it.</summary>
    public required string Description { get; init; }

    /// <summary>What <see cref="ConfigfsClient.AddKey"/> returned, warnings included.</summary>
    public ConfigfsResult Result { get; init; }
}
