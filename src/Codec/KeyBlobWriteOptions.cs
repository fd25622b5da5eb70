namespace CrashDmCrypt.Codec;

/// <summary>
/// How <see cref="KeyBlobWriter"/> writes a blob. The default value writes little-endian. New options are added as
/// new properties whose default keeps today's behaviour.
/// </summary>
public readonly record struct KeyBlobWriteOptions
{
    /// <summary>Little-endian.</summary>
    public static KeyBlobWriteOptions Default => default;

    /// <summary>Byte order of <c>total_keys</c> and <c>key_size</c>; little-endian by default.</summary>
    public KeyBlobByteOrder ByteOrder { get; init; }
}
