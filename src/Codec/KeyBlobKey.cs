namespace CrashDmCrypt.Codec;

/// <summary>
/// One key for <see cref="KeyBlobWriter"/>: the logon description (bytes, without NUL) and the key bytes.
/// Keep the key's memory pinned (for example <see cref="SecretBuffer"/>) and clear it after use.
/// </summary>
/// <param name="Description">Description bytes, 1..127, in logon form <c>prefix:rest</c>.</param>
/// <param name="Key">Key bytes, 1..256.</param>
public readonly record struct KeyBlobKey(ReadOnlyMemory<byte> Description, ReadOnlyMemory<byte> Key);
