namespace CrashDmCrypt.Codec;

/// <summary>
/// One key for <see cref="KeyBlobWriter"/>: the logon description (bytes, without NUL) and the key bytes.
/// Keep the key's memory pinned (for example <see cref="SecretBuffer"/>) and clear it after use.
/// </summary>
public readonly record struct KeyBlobKey
{
    /// <summary>A key with its description.</summary>
    /// <param name="description">Description bytes, 1..127, in logon form <c>prefix:rest</c>.</param>
    /// <param name="key">Key bytes, 1..256.</param>
    public KeyBlobKey(ReadOnlyMemory<byte> description, ReadOnlyMemory<byte> key)
    {
        Description = description;
        Key = key;
    }

    /// <summary>Description bytes, 1..127, in logon form <c>prefix:rest</c>, without a NUL.</summary>
    public ReadOnlyMemory<byte> Description { get; init; }

    /// <summary>Key bytes, 1..256.</summary>
    public ReadOnlyMemory<byte> Key { get; init; }
}
