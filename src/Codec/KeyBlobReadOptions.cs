namespace CrashDmCrypt.Codec;

/// <summary>
/// How <see cref="KeyBlobReader"/> and <see cref="KeyBlobRestorer"/> read a blob. The default value is strict,
/// little-endian, with trailing bytes allowed. New options are added as new properties whose default keeps today's behaviour.
/// </summary>
public readonly record struct KeyBlobReadOptions
{
    /// <summary>Strict, little-endian, trailing bytes allowed.</summary>
    public static KeyBlobReadOptions Default => default;

    /// <summary>Byte order of <c>total_keys</c> and <c>key_size</c>; little-endian by default.</summary>
    public KeyBlobByteOrder ByteOrder { get; init; }

    /// <summary>Rule set; <see cref="KeyBlobMode.Strict"/> unless a relaxation is named.</summary>
    public KeyBlobMode Mode { get; init; }

    /// <summary>
    /// When <see langword="true"/>, bytes after the blob are an error (<see cref="KeyBlobError.TrailingBytes"/>).
    /// Off by default because the blob is normally read out of a larger reserved region.
    /// </summary>
    public bool RequireExactLength { get; init; }
}
