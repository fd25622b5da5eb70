namespace CrashDmCrypt.Codec;

/// <summary>What <see cref="KeyBlobRestorer"/> did.</summary>
public readonly record struct KeyBlobRestoreResult
{
    /// <summary>Whether the blob was valid and every key reached the sink.</summary>
    public bool Succeeded { get; internal init; }

    /// <summary>Keys handed to the sink.</summary>
    public int KeysRestored { get; internal init; }

    /// <summary>Why the blob was refused; <c>default</c> on success.</summary>
    public KeyBlobProblem Problem { get; internal init; }
}
