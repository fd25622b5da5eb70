namespace CrashDmCrypt.Codec;

/// <summary>What <see cref="KeyBlobRestorer"/> did.</summary>
public readonly record struct KeyBlobRestoreResult
{
    /// <summary>Whether the blob was valid and every key reached the sink.</summary>
    public bool Succeeded { get; init; }

    /// <summary>Keys handed to the sink.</summary>
    public int KeysRestored { get; init; }

    /// <summary>Why the blob was refused; <c>default</c> on success.</summary>
    public KeyBlobProblem Problem { get; init; }
}
