namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>What a <see cref="ConfigfsClient"/> read returned.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly record struct ConfigfsResult<T>
{
    /// <summary>Status, step, errno and warnings.</summary>
    public ConfigfsResult Result { get; internal init; }

    /// <summary>The value read; <c>default</c> unless <see cref="ConfigfsResult.Succeeded"/>.</summary>
    public T Value { get; internal init; }

    /// <summary>Whether the read succeeded.</summary>
    public bool Succeeded => Result.Succeeded;

    /// <summary>How it ended.</summary>
    public ConfigfsStatus Status => Result.Status;
}
