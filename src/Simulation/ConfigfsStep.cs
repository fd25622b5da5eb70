using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Step 2: <c>kdumpctl prepare_luks</c>, before the load: nothing when <c>reuse</c> reads 1; else for each
/// volume request its logon key, set its 300 s timeout and create the configfs item <c>&lt;UUID&gt;</c> with
/// its description, through <see cref="ConfigfsClient"/>.
/// </summary>
public sealed class ConfigfsStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Configfs;

    /// <summary>Whether it was skipped for reuse, or every volume got its item.</summary>
    public override bool Succeeded => SkippedForReuse || Items.All(i => i.Succeeded);

    /// <summary>The configfs group's directory.</summary>
    public string Root { get; init; } = ConfigfsAttributes.DefaultRoot;

    /// <summary>What <c>reuse</c> read first.</summary>
    public ConfigfsResult<bool> ReuseBefore { get; init; }

    /// <summary>Whether <c>reuse</c> read 1, so <c>prepare_luks</c> did nothing (the saved blob is to be reused).</summary>
    public bool SkippedForReuse => ReuseBefore.Succeeded && ReuseBefore.Value;

    /// <summary>The timeout set on each logon key.</summary>
    public TimeSpan KeyTimeout { get; init; }

    /// <summary>Each volume handled, in order; <c>prepare_luks</c> stops at the first failure, which is the last entry.</summary>
    public required IReadOnlyList<ConfigfsItemOutcome> Items { get; init; }

    /// <summary>Items created.</summary>
    public int ItemsCreated => Items.Count(i => i.Succeeded);

    /// <summary>What <c>count</c> read afterwards; null when <c>prepare_luks</c> failed.</summary>
    public ConfigfsResult<int>? Count { get; init; }
}
