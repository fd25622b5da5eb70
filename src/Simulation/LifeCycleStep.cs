namespace CrashDmCrypt.Simulation;

/// <summary>One step of <see cref="KdumpLifeCycle.Run"/>: what happened, as data. The derived type says which step.</summary>
public abstract class LifeCycleStep
{
    private protected LifeCycleStep()
    {
    }

    /// <summary>Which step this is.</summary>
    public abstract LifeCycleStepKind Kind { get; }

    /// <summary>Whether the step did what it is for.</summary>
    public abstract bool Succeeded { get; }
}
