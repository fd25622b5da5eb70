using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>Step 2: kdump user space creates one <c>crash_dm_crypt_keys</c> item per key through <see cref="ConfigfsClient"/>.</summary>
public sealed class ConfigfsStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Configfs;

    /// <summary>Whether every item was created.</summary>
    public override bool Succeeded => Items.All(i => i.Result.Succeeded);

    /// <summary>The configfs group's directory.</summary>
    public string Root { get; init; } = ConfigfsAttributes.DefaultRoot;

    /// <summary>Each item tried, in order; the run stops at the first refusal, which is the last entry.</summary>
    public required IReadOnlyList<ConfigfsItemOutcome> Items { get; init; }

    /// <summary>Items created.</summary>
    public int ItemsCreated => Items.Count(i => i.Result.Succeeded);

    /// <summary>What <c>count</c> read afterwards; null when an item was refused (the run stops there).</summary>
    public ConfigfsResult<int>? Count { get; init; }
}
