namespace CrashDmCrypt.Simulation;

/// <summary>A clock that moves only when told to, so key expiry in the model is reproducible.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now;

    /// <summary>Starts at <paramref name="start"/>.</summary>
    public ManualTimeProvider(DateTimeOffset start) => _now = start;

    /// <summary>Starts at 2025-05-21 00:00 UTC, the day the configfs interface was merged.</summary>
    public ManualTimeProvider()
        : this(new DateTimeOffset(2025, 5, 21, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>Moves the clock forward.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        _now += by;
    }
}
